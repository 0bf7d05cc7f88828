"""The texts applicants agree to, versioned: the version is stored with every application."""

CURRENT_VERSION = "2026.1"

TEXTS = {
    "2026.1": {
        "share": (
            "我同意：为办理本次扶残助困“一件事一次办”申请，政务服务平台将我的身份、户籍、"
            "残疾人证、社会救助、医疗保险和养老保险等信息，提供给残联、民政、医保、人社部门"
            "用于审核，不用于其他目的。"
        ),
        "sensitive": (
            "我同意：平台和上述部门为办理本申请，处理我的残疾类别和等级、医疗费用和健康"
            "信息等敏感个人信息。我知道可以不同意，但不同意将无法办理本申请。"
        ),
    }
}
