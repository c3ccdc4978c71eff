import LeadCore
import Testing

@Suite struct IntakeResultTests {
    @Test(
        arguments: [
            (IntakeResult.stored(leadID: "a"), IntakeOutcome.stored, "a" as String?),
            (.duplicate(leadID: "b"), .duplicate, "b"),
            (.queued(leadID: "c"), .queued, "c"),
            (.rejected(.invalidJSON), .invalid, nil),
            (.rejected(.payloadTooLarge), .invalid, nil),
        ]
    )
    func namesItsOutcomeAndLead(result: IntakeResult, outcome: IntakeOutcome, leadID: String?) {
        #expect(result.outcome == outcome)
        #expect(result.leadID == leadID)
    }

    /// These are the public error codes senders already parse.
    @Test func usesTheOldServiceErrorCodes() {
        #expect(IntakeRejection.invalidJSON.rawValue == "invalid_json")
        #expect(IntakeRejection.invalidPayload.rawValue == "invalid_payload")
        #expect(IntakeRejection.payloadTooLarge.rawValue == "payload_too_large")
        #expect(IntakeOutcome.allCases.map(\.rawValue) == ["stored", "duplicate", "invalid", "failed", "queued"])
    }
}
