/// A setting that cannot be used. Its description is the one line shown to the operator, naming the setting.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let setting: String
    public let message: String

    public init(setting: String, message: String) {
        self.setting = setting
        self.message = message
    }

    public var description: String { "invalid \(self.setting): \(self.message)" }
}
