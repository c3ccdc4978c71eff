import Foundation
import Hummingbird
import LeadCore
import NIOCore

/// `GET /api/leads.csv`: every lead matching the filters, streamed page by page, so memory stays flat however
/// many there are.
extension CRMController {
    static let exportPageSize = 1000

    static let csvHeader =
        ["id", "created_at", "updated_at", "status", "assigned_to", "idempotency_key", "x_request_id"]
        + LeadField.allCases.map(\.jsonName) + ["note", "extra"]

    func export(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let filter = try Self.filter(query, paging: false)
        let order = try Self.order(query)
        let crm = self.crm
        let logger = self.logger
        let body = ResponseBody { writer in
            var buffer = ByteBuffer()
            CSV.appendRow(Self.csvHeader, to: &buffer)
            var cursor: PageCursor?
            var rows = 0
            do {
                while true {
                    let page = try await crm.leads(matching: filter, order: order, after: cursor, limit: Self.exportPageSize)
                    for record in page {
                        CSV.appendRow(Self.csvRow(record), to: &buffer)
                    }
                    rows += page.count
                    try await writer.write(buffer)
                    buffer.clear()
                    guard page.count == Self.exportPageSize, let last = page.last else { break }
                    cursor = PageCursor(time: last.lead.createdAt, id: last.lead.id)
                }
            } catch {
                // The status line is gone already; the connection is closed so the client sees a cut export.
                logger.error("lead export failed", metadata: ["rows": "\(rows)", "error": "\(String(reflecting: error))"])
                throw error
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"leads.csv\""],
            body: body
        )
    }

    static func csvRow(_ record: LeadRecord) -> [String] {
        let lead = record.lead
        return [
            lead.id, Timestamp.format(lead.createdAt), Timestamp.format(record.updatedAt ?? lead.createdAt), lead.status,
            lead.assignedTo.map(String.init) ?? "", lead.idempotencyKey ?? "", lead.requestID ?? "",
        ] + LeadField.allCases.map { lead[$0] ?? "" } + [record.note ?? "", lead.extra ?? ""]
    }
}

/// RFC 4180 rows, with cells that a spreadsheet would run as a formula made inert.
enum CSV {
    static func appendRow(_ cells: [String], to buffer: inout ByteBuffer) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeString(self.cell(cell))
        }
        buffer.writeStaticString("\r\n")
    }

    /// A cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` (OWASP's advice against
    /// CSV injection); a cell with a comma, quote or line break is quoted.
    static func cell(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            text = "'" + text
        }
        // Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
