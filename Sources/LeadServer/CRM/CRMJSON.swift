import Foundation
import LeadCore

/// The JSON shapes of the CRM API (docs/crm-api.md).
enum CRMJSON {
    static func text(_ value: String?) -> JSONValue {
        value.map { .string($0) } ?? .null
    }

    static func time(_ value: Date?) -> JSONValue {
        value.map { .string(Timestamp.format($0)) } ?? .null
    }

    static func integer(_ value: Int?) -> JSONValue {
        value.map { .number(String($0)) } ?? .null
    }

    static func lead(_ record: LeadRecord) -> JSONValue {
        let lead = record.lead
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(lead.id)),
            ("created_at", self.time(lead.createdAt)),
            ("updated_at", self.time(record.updatedAt ?? lead.createdAt)),
            ("status", .string(lead.status)),
            ("assigned_to", self.integer(lead.assignedTo)),
            ("idempotency_key", self.text(lead.idempotencyKey)),
            ("x_request_id", self.text(lead.requestID)),
        ]
        for field in LeadField.allCases {
            members.append((field.jsonName, self.text(lead[field])))
        }
        members.append(("extra", self.extra(lead.extra)))
        members.append(("note", self.text(record.note)))
        members.append(("erased_at", self.time(record.erasedAt)))
        return .object(members)
    }

    /// `extra` is stored as JSON text written by leadcrm; it is shown as the object it is.
    static func extra(_ text: String?) -> JSONValue {
        guard let text else { return .null }
        guard let value = try? JSONParser.parse(Array(text.utf8)), case .object = value else { return .null }
        return value
    }

    static func submission(_ record: SubmissionRecord) -> JSONValue {
        let submission = record.submission
        let headers = submission.headers
        let (body, encoding) = self.body(record.body)
        return .object([
            ("id", .string(submission.id)),
            ("received_at", self.time(submission.receivedAt)),
            ("outcome", .string(submission.outcome.rawValue)),
            ("lead_id", self.text(submission.leadID)),
            ("idempotency_key", self.text(headers.idempotencyKey)),
            ("x_request_id", self.text(headers.requestID)),
            ("content_type", self.text(headers.contentType)),
            ("user_agent", self.text(headers.userAgent)),
            ("client_ip", self.text(submission.clientAddress)),
            ("forwarded_for", self.text(headers.forwardedFor)),
            ("truncated", .bool(submission.truncated)),
            ("error", self.text(submission.error)),
            ("body", body),
            ("body_encoding", encoding),
            ("body_sha256", self.text(record.bodyDigest.map { $0.map { String(format: "%02x", $0) }.joined() })),
            ("erased_at", self.time(record.erasedAt)),
        ])
    }

    /// The body as text when it is valid UTF-8 without NUL (which JSON text here never carries), else base64.
    static func body(_ bytes: [UInt8]?) -> (body: JSONValue, encoding: JSONValue) {
        guard let bytes else { return (.null, .null) }
        if !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) {
            return (.string(text), .string("utf8"))
        }
        return (.string(Data(bytes).base64EncodedString()), .string("base64"))
    }

    static func event(_ event: LeadEvent) -> JSONValue {
        .object([
            ("at", self.time(event.at)),
            ("kind", .string(event.kind.rawValue)),
            ("actor", event.actor.map { .object([("id", .number(String($0.id))), ("name", .string($0.name))]) } ?? .null),
            ("from", self.text(event.from)),
            ("to", self.text(event.to)),
            ("submission_id", self.text(event.submissionID)),
        ])
    }

    static func user(_ user: User) -> JSONValue {
        .object([
            ("id", .number(String(user.id))),
            ("name", .string(user.name)),
            ("role", .string(user.role.rawValue)),
            ("created_at", self.time(user.createdAt)),
        ])
    }
}
