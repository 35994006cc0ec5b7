//! The label set: four topic labels and the `directive` flag, as defined in
//! `ANNOTATION.md`.

/// Topic labels, in the order the model outputs them.
pub const TOPIC_LABELS: [&str; 4] = [
    "import_control",
    "vaccination",
    "infection_control",
    "accountability",
];

/// The directive flag's label name.
pub const DIRECTIVE: &str = "directive";

/// All model outputs: the four topics, then `directive`.
pub const ALL_LABELS: [&str; 5] = [
    "import_control",
    "vaccination",
    "infection_control",
    "accountability",
    "directive",
];

/// Chinese display name of a label (for reports).
pub fn display_name(label: &str) -> &'static str {
    match label {
        "import_control" => "外防输入",
        "vaccination" => "疫苗接种",
        "infection_control" => "院感防控",
        "accountability" => "考核问责",
        "directive" => "指令/措施",
        "other" => "其他措施",
        _ => "",
    }
}

/// True when `label` is one of the four topic labels.
pub fn is_topic(label: &str) -> bool {
    TOPIC_LABELS.contains(&label)
}
