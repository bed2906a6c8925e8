import SweepKit

extension ParameterImportance {
    /// Fewer completed trials than this give no importance (a forest of two points says nothing).
    public static let minimumTrials = 4

    /// The importance of a job's parameters, fitted to its completed trials. A parameter counts
    /// when every completed trial has it (Optuna's rule); a conditional choice whose options no
    /// such parameter tells apart (no common literal key like `kind`) counts as one categorical
    /// parameter, named after the choice, whose value is the option the trial got.
    public static func of(trials: [JobState.TrialRecord], parameters: [ReportParameter], space: SearchSpace?,
                          options: Options = Options()) -> ParameterImportance? {
        let used = trials.filter { $0.state == .completed && ($0.value?.isFinite ?? false) }
        guard used.count >= minimumTrials else { return nil }
        var names: [String] = []
        var features: [[Double]] = []
        for parameter in parameters {
            let coordinates = used.compactMap { $0.flatParams[parameter.name].flatMap(parameter.coordinate) }
            guard coordinates.count == used.count else { continue }
            names.append(parameter.name)
            features.append(coordinates)
        }
        for (path, choices) in conditionalChoices(space) {
            let told = parameters.contains { p in
                p.scale == .category && p.name.hasPrefix(path + ".") && names.contains(p.name) && p.categories.count > 1
            }
            guard !told else { continue }
            let cells = used.compactMap { trial in
                value(at: path, in: trial.params).flatMap { value in choices.firstIndex { matches(value, $0) } }
            }
            guard cells.count == used.count else { continue }
            names.append(path)
            features.append(cells.map { (Double($0) + 0.5) / Double(choices.count) })
        }
        return compute(names: names, features: features, targets: used.compactMap(\.value), options: options)
    }

    /// Every choice with a mapping option, by its dotted path, with its options.
    static func conditionalChoices(_ space: SearchSpace?) -> [(String, [ChoiceOption])] {
        var found: [(String, [ChoiceOption])] = []
        func visit(_ path: String, _ expression: ParameterExpression) {
            guard case .choice(let options) = expression else { return }
            if options.contains(where: { if case .nested = $0 { return true } else { return false } }) {
                found.append((path, options))
            }
            for option in options {
                guard case .nested(let entries) = option else { continue }
                for entry in entries {
                    if case .expression(let inner) = entry.content { visit("\(path).\(entry.key)", inner) }
                }
            }
        }
        for parameter in space?.parameters ?? [] { visit(parameter.name, parameter.expression) }
        return found
    }

    static func value(at path: String, in params: JSONObject) -> JSONValue? {
        var current: JSONValue = .object(params)
        for key in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current.object?[String(key)] else { return nil }
            current = next
        }
        return current
    }

    /// Whether a trial's value came from this option: the literal itself, or a mapping with the
    /// option's keys and literal entries.
    static func matches(_ value: JSONValue, _ option: ChoiceOption) -> Bool {
        switch option {
        case .literal(let literal):
            return value == literal
        case .nested(let entries):
            guard let object = value.object, object.keys == entries.map(\.key) else { return false }
            return entries.allSatisfy { entry in
                if case .literal(let literal) = entry.content { return object[entry.key] == literal }
                return true
            }
        }
    }
}
