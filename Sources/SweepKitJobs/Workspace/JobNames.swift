import SweepKit
/// Job names in the Azure style: `adjective_noun_<10 characters>` (e.g. `quiet_kite_7xq2b9mhdw`).
enum JobNames {
    private static let adjectives = ["amber", "bold", "brave", "calm", "clever", "cosmic", "crisp", "eager", "gentle",
                                     "happy", "jolly", "keen", "lucid", "mellow", "nimble", "quiet", "rapid", "shy",
                                     "sunny", "tidy", "upbeat", "vivid", "witty", "zesty"]
    private static let nouns = ["anchor", "badger", "comet", "dune", "falcon", "garden", "harbor", "island", "kite",
                                "lantern", "maple", "nebula", "otter", "pepper", "quartz", "river", "sparrow", "tiger",
                                "tulip", "violin", "walrus", "yarn", "zebra", "orchid"]
    private static let alphabet = Array("bcdfghjklmnpqrstvwxyz0123456789")

    static func make() -> String {
        var random = SystemRandomNumberGenerator()
        let suffix = String((0..<10).map { _ in alphabet.randomElement(using: &random)! })
        return "\(adjectives.randomElement(using: &random)!)_\(nouns.randomElement(using: &random)!)_\(suffix)"
    }
}
