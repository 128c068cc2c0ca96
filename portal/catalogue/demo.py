"""Demo catalogue: 18 scan types across seven modalities (USD prices) and four invented medical aids."""

from __future__ import annotations

from decimal import Decimal

from portal.catalogue.models import Modality, ScanType
from portal.catalogue.services import plan_set_rules, scan_type_publish, scheme_upsert

FASTING = (
    "<p>Do not eat for <b>6 hours</b> before your scan. You may drink small sips of water and take your usual "
    "medicines.</p>"
)
FULL_BLADDER = (
    "<p>Drink <b>1 litre of water</b> one hour before your appointment and do not empty your bladder until "
    "after the scan.</p>"
)
CONTRAST = (
    "<p>Tell us if you have kidney disease, diabetes (especially if you take metformin) or have ever reacted "
    "to contrast (dye). Do not eat for 4 hours before; keep drinking water. Bring recent kidney blood results "
    "(creatinine) if you have them.</p>"
)
MRI = (
    "<p>Remove all metal: jewellery, hair clips, watches and bank cards stay in a locker. Tell us about any "
    "pacemaker, implant, metal fragments or surgery. The scan is noisy; we give you ear protection. "
    "Wear comfortable clothes without zips.</p>"
)
NONE = "<p>No special preparation. Wear comfortable clothes; you may be asked to change into a gown.</p>"

SCAN_TYPES = [
    # code, name, modality, body part, minutes, price, preparation, referral, mri, contrast, pregnancy
    ("xr-chest", "Chest X-ray", Modality.XRAY, "Chest", 10, "35.00", NONE, False, False, False, True),
    ("xr-spine-lumbar", "Lumbar spine X-ray", Modality.XRAY, "Lower back", 15, "55.00", NONE,
     False, False, False, True),
    ("xr-limb", "Limb X-ray (one region)", Modality.XRAY, "Arm or leg", 10, "40.00", NONE, False, False, False, True),
    ("us-abdomen", "Abdominal ultrasound", Modality.ULTRASOUND, "Abdomen", 30, "70.00", FASTING,
     False, False, False, False),
    ("us-pelvis", "Pelvic ultrasound", Modality.ULTRASOUND, "Pelvis", 30, "70.00", FULL_BLADDER,
     False, False, False, False),
    ("us-obstetric", "Pregnancy (obstetric) ultrasound", Modality.ULTRASOUND, "Pregnancy", 30, "65.00",
     "<p>Before 14 weeks, come with a comfortably full bladder. Later in pregnancy no preparation is needed.</p>",
     False, False, False, False),
    ("us-breast", "Breast ultrasound", Modality.ULTRASOUND, "Breast", 20, "60.00", NONE, False, False, False, False),
    ("ct-brain", "CT brain", Modality.CT, "Head", 20, "180.00", NONE, True, False, False, True),
    ("ct-chest-contrast", "CT chest with contrast", Modality.CT, "Chest", 30, "260.00", CONTRAST,
     True, False, True, True),
    ("ct-abdomen-pelvis", "CT abdomen and pelvis with contrast", Modality.CT, "Abdomen and pelvis", 45, "320.00",
     CONTRAST + "<p>You will drink oral contrast over the hour before the scan: arrive 60 minutes early.</p>",
     True, False, True, True),
    ("mri-brain", "MRI brain", Modality.MRI, "Head", 45, "450.00", MRI, True, True, False, True),
    ("mri-knee", "MRI knee", Modality.MRI, "Knee", 40, "420.00", MRI, True, True, False, False),
    ("mri-lumbar-spine", "MRI lumbar spine", Modality.MRI, "Lower back", 45, "450.00", MRI, True, True, False, False),
    ("mammo-screening", "Screening mammogram", Modality.MAMMOGRAPHY, "Breasts", 20, "85.00",
     "<p>Do not use deodorant, talcum powder or lotion under your arms or on your breasts on the day. "
     "Bring previous mammograms if you had them elsewhere.</p>", False, False, False, True),
    ("mammo-diagnostic", "Diagnostic mammogram", Modality.MAMMOGRAPHY, "Breasts", 30, "110.00",
     "<p>Do not use deodorant or powder on the day. Bring your referral letter and any previous images.</p>",
     True, False, False, True),
    ("dexa-hip-spine", "DEXA bone density (hip and spine)", Modality.DEXA, "Hip and spine", 20, "75.00",
     "<p>Do not take calcium supplements for 24 hours before. Wear clothes without metal buttons or zips.</p>",
     False, False, False, True),
    ("fluoro-barium-swallow", "Barium swallow", Modality.FLUOROSCOPY, "Oesophagus", 30, "150.00",
     "<p>Do not eat or drink anything for 6 hours before the examination.</p>", True, False, True, True),
    ("fluoro-hsg", "Hysterosalpingogram (HSG)", Modality.FLUOROSCOPY, "Uterus and fallopian tubes", 30, "190.00",
     "<p>Book between day 7 and day 11 of your cycle. Take a mild painkiller an hour before. "
     "Tell us about any allergy to iodine contrast.</p>", True, False, True, True),
]

# scheme, short name, website, claims phone, {plan: [(modality | code, percent, cap, co-payment)]}
SCHEMES = [
    ("Zambezi Health Medical Aid", "Zambezi Health", "https://zambezi-health.example", "+263 242 700 100", {
        "Essential": [("xray", 80, None, 0), ("us", 80, None, 0), ("mammo", 100, 90, 0), ("ct", 60, 150, 10)],
        "Classic": [("xray", 100, None, 0), ("us", 90, None, 0), ("ct", 80, 250, 0), ("mri", 70, 300, 20),
                    ("mammo", 100, None, 0), ("dexa", 80, None, 0), ("fluoro", 80, None, 0)],
        "Platinum": [("xray", 100, None, 0), ("us", 100, None, 0), ("ct", 100, None, 0), ("mri", 90, 450, 0),
                     ("mammo", 100, None, 0), ("dexa", 100, None, 0), ("fluoro", 100, None, 0)],
    }),
    ("Msasa Mutual Society", "Msasa Mutual", "https://msasa-mutual.example", "+263 242 800 200", {
        "Standard": [("xray", 75, 40, 5), ("us", 75, 60, 5), ("ct", 50, 150, 15), ("mammo", 80, None, 0)],
        "Comprehensive": [("xray", 100, None, 0), ("us", 100, None, 0), ("ct", 85, None, 0), ("mri", 80, 380, 0),
                          ("mammo", 100, None, 0), ("dexa", 90, None, 0), ("fluoro", 85, None, 0),
                          ("mri-knee", 60, 250, 25)],
    }),
    ("Kariba Health Society", "Kariba Health", "https://kariba-health.example", "+263 242 900 300", {
        "Basic": [("xray", 70, None, 5), ("us", 70, None, 5)],
        "Executive": [("xray", 100, None, 0), ("us", 100, None, 0), ("ct", 90, None, 0), ("mri", 85, None, 0),
                      ("mammo", 100, None, 0), ("dexa", 100, None, 0), ("fluoro", 90, None, 0)],
    }),
    ("Granite Employees Medical Fund", "Granite Fund", "https://granite-fund.example", "+263 242 600 400", {
        "Members": [("xray", 90, 50, 0), ("us", 90, 80, 0), ("ct", 75, 220, 0), ("mri", 60, 280, 0),
                    ("mammo", 100, 100, 0), ("dexa", 75, None, 0), ("fluoro", 70, None, 0)],
    }),
]


# Demo tariff codes for the claim lines (the AMA CPT codes most Zimbabwean schemes' radiology tariffs follow).
TARIFF_CODES = {
    "xr-chest": "71046", "xr-spine-lumbar": "72100", "xr-limb": "73090", "us-abdomen": "76700",
    "us-pelvis": "76856", "us-obstetric": "76805", "us-breast": "76641", "ct-brain": "70450",
    "ct-chest-contrast": "71260", "ct-abdomen-pelvis": "74177", "mri-brain": "70551", "mri-knee": "73721",
    "mri-lumbar-spine": "72148", "mammo-screening": "77067", "mammo-diagnostic": "77066", "dexa-hip-spine": "77080",
}


def seed(*, stdout, style, options) -> None:
    changed = 0
    for code, name, modality, body_part, minutes, price, prep, referral, mri, contrast, pregnancy in SCAN_TYPES:
        _, was_changed = scan_type_publish(
            code=code, name=name, modality=modality, body_part=body_part, duration_minutes=minutes,
            price=Decimal(price), preparation=prep, needs_referral=referral, mri_safety_screening=mri,
            uses_contrast=contrast, pregnancy_check=pregnancy, bookable_online=True,
            tariff_code=TARIFF_CODES.get(code, ""),
        )
        changed += was_changed
    stdout.write(f"  scan types: {len(SCAN_TYPES)} ({changed} created or updated)")
    by_code = {scan.code: scan for scan in ScanType.objects.all()}
    modalities = set(Modality.values)
    plans = 0
    for scheme_name, short, website, phone, plan_rules in SCHEMES:
        scheme = scheme_upsert(name=scheme_name, short_name=short, website=website, claims_phone=phone)
        for plan_name, rules in plan_rules.items():
            plan_set_rules(
                scheme=scheme,
                name=plan_name,
                rules=[
                    {
                        "modality": target if target in modalities else "",
                        "scan_type": None if target in modalities else by_code[target],
                        "percent_covered": Decimal(percent),
                        "tariff_cap": None if cap is None else Decimal(cap),
                        "co_payment": Decimal(co_payment),
                    }
                    for target, percent, cap, co_payment in rules
                ],
            )
            plans += 1
    stdout.write(f"  medical aids: {len(SCHEMES)} schemes, {plans} plans")
