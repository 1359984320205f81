/// Name and place lists for synthetic case data. Every household generated from them is
/// fiction: ID numbers use the non-existent area code 639900, incomes are round
/// plausible figures, and nothing here describes a real family.
public enum SyntheticNames {
    /// Han, Hui, Tu and Tibetan family names and given names common in eastern Qinghai.
    static let hanSurnames = ["李", "王", "张", "刘", "陈", "杨", "赵", "祁", "朱", "何", "鲁", "童"]
    static let huiSurnames = ["马", "韩", "冶", "喇", "沙", "白"]
    static let givenNames = ["秀兰", "建国", "玉梅", "海军", "桂花", "永福", "晓燕", "德明", "文娟", "成林", "春花", "国庆"]
    static let tibetanNames = ["才让多杰", "卓玛", "扎西", "拉毛", "索南", "德吉", "更登", "央金", "旦正", "措毛"]
    static let tuNames = ["吉祥", "什加", "东主", "三木措", "官却"]

    /// A township of 湟中区 (synthetic codes under the real prefix 630106) and its villages.
    public struct Township: Sendable {
        public let code: String
        public let name: String
        public let villages: [String]
    }

    public static let townships: [Township] = [
        Township(code: "630106100", name: "鲁沙尔镇", villages: ["阳坡村", "西山村", "团结村", "青石坡村"]),
        Township(code: "630106101", name: "田家寨镇", villages: ["田家寨村", "沙尔湾村", "下营一村"]),
        Township(code: "630106102", name: "上新庄镇", villages: ["上新庄村", "骟马台村", "静房村"]),
        Township(code: "630106103", name: "多巴镇", villages: ["多巴四村", "韦家庄村", "黑嘴村", "加拉山村"]),
        Township(code: "630106200", name: "群加藏族乡", villages: ["上圈村", "来路村"]),
        Township(code: "630106104", name: "甘河滩镇", villages: ["甘河沿村", "上营村", "卡阳村"]),
        Township(code: "630106105", name: "共和镇", villages: ["维新村", "前营村", "苏尔吉村"]),
        Township(code: "630106106", name: "西堡镇", villages: ["西堡村", "葛家寨村", "东堡村"]),
        Township(code: "630106201", name: "土门关乡", villages: ["土门关村", "青峰村", "关跟村"]),
        // The rest of 湟中区's fifteen, so the benchmark's county round has one station each.
        Township(code: "630106107", name: "李家山镇", villages: ["李家山村", "下庄村"]),
        Township(code: "630106108", name: "拦隆口镇", villages: ["拦隆口村", "泥麻隆村"]),
        Township(code: "630106109", name: "上五庄镇", villages: ["上五庄村", "包勒村"]),
        Township(code: "630106202", name: "海子沟乡", villages: ["海子沟村", "顾家岭村"]),
        Township(code: "630106203", name: "汉东回族乡", villages: ["汉东村", "下麻尔村"]),
        Township(code: "630106204", name: "大才回族乡", villages: ["大才村", "前沟村"]),
    ]

    public static func personName<G: RandomNumberGenerator>(using rng: inout G) -> String {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<5: return hanSurnames.randomElement(using: &rng)! + givenNames.randomElement(using: &rng)!
        case 5..<7: return huiSurnames.randomElement(using: &rng)! + givenNames.randomElement(using: &rng)!
        case 7..<9: return tibetanNames.randomElement(using: &rng)!
        default: return tuNames.randomElement(using: &rng)!
        }
    }

    public static func address<G: RandomNumberGenerator>(village: String, using rng: inout G) -> String {
        "\(village)\(Int.random(in: 1...9, using: &rng))社\(Int.random(in: 1...88, using: &rng))号"
    }
}
