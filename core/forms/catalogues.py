"""National catalogues every province shares, as disaggregation categories.

Ethnic groups follow the General Statistics Office's list of the 54 ethnic
groups of Viet Nam (Quyết định 121-TCTK/PPCĐ, 02/3/1979), with its codes;
province plugins use them so that their data adds up nationally.
"""
from core.contracts import CategorySpec, Choice, ComboSpec, FormSpec, UnitSpec

_ETHNIC = (
    "Kinh", "Tày", "Thái", "Hoa", "Khmer", "Mường", "Nùng", "Mông", "Dao", "Gia Rai", "Ngái", "Ê Đê", "Ba Na",
    "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Mnông", "Raglay", "Xtiêng", "Bru Vân Kiều", "Thổ",
    "Giáy", "Cơ Tu", "Gié Triêng", "Mạ", "Khơ Mú", "Co", "Tà Ôi", "Chơ Ro", "Kháng", "Xinh Mun", "Hà Nhì",
    "Chu Ru", "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao",
    "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
)

ETHNIC_GROUP = CategorySpec(
    code="ethnic_group", name="Dân tộc",
    options=tuple(Choice(f"{i:02d}", name) for i, name in enumerate(_ETHNIC, start=1)),
)
SEX = CategorySpec(code="sex", name="Giới tính", options=(Choice("male", "Nam"), Choice("female", "Nữ")))
ETHNIC = ComboSpec(code="ethnic", name="Theo dân tộc", categories=("ethnic_group",))
ETHNIC_SEX = ComboSpec(code="ethnic_sex", name="Theo dân tộc và giới tính", categories=("ethnic_group", "sex"))


def ethnic_population_form(code: str, name: str, schedules: tuple) -> FormSpec:
    """The ethnic-affairs boards' core table: households, population and poor households by ethnic group.

    Đồng Nai, Cao Bằng and Hà Nội each register it under their own code and
    schedule (their regulations name the same data: dân số, hộ nghèo theo dân tộc).
    """
    from core.contracts import FieldSpec, IndicatorSpec, RuleSpec, SectionSpec

    return FormSpec(
        code=code, name=name, sector="dan_toc",
        description="Số hộ, nhân khẩu, hộ nghèo và cận nghèo chia theo dân tộc trên địa bàn.",
        sections=(
            SectionSpec("population", "Hộ và nhân khẩu", (
                FieldSpec("households", "Tổng số hộ", required=True, min=0, unit_of_measure="hộ",
                          indicator="DT_SO_HO"),
                FieldSpec("minority_households", "Số hộ dân tộc thiểu số", min=0, unit_of_measure="hộ"),
                FieldSpec("population", "Tổng số nhân khẩu", required=True, min=0, unit_of_measure="người"),
                FieldSpec("population_by_ethnicity", "Nhân khẩu chia theo dân tộc và giới tính", min=0,
                          unit_of_measure="người", combo="ethnic_sex",
                          help="Chỉ nhập các dân tộc có trên địa bàn; ô để trống được tính là 0."),
            )),
            SectionSpec("poverty", "Hộ nghèo, hộ cận nghèo", (
                FieldSpec("poor_households", "Số hộ nghèo", required=True, min=0, unit_of_measure="hộ",
                          indicator="DT_HO_NGHEO"),
                FieldSpec("poor_by_ethnicity", "Hộ nghèo chia theo dân tộc", min=0, unit_of_measure="hộ",
                          combo="ethnic"),
                FieldSpec("near_poor_households", "Số hộ cận nghèo", min=0, unit_of_measure="hộ"),
                FieldSpec("notes", "Ghi chú", type="long_text"),
            )),
        ),
        rules=(
            RuleSpec("poor_within_households", "poor_households + near_poor_households <= households",
                     "Số hộ nghèo và cận nghèo không được lớn hơn tổng số hộ."),
            # A rule is skipped while a value it names is blank: this one still holds when the
            # near-poor are left empty (DN Đ8 khoản 2, CB Đ9 khoản 2: data as prescribed).
            RuleSpec("poor_at_most_households", "poor_households <= households",
                     "Số hộ nghèo không được lớn hơn tổng số hộ."),
            RuleSpec("minority_within_households", "minority_households <= households",
                     "Số hộ dân tộc thiểu số không được lớn hơn tổng số hộ."),
            RuleSpec("population_by_ethnicity_total", "count(population_by_ethnicity) == 0 or "
                     "sum(population_by_ethnicity) == population",
                     "Tổng nhân khẩu chia theo dân tộc phải bằng tổng số nhân khẩu."),
            RuleSpec("poor_by_ethnicity_total", "count(poor_by_ethnicity) == 0 or "
                     "sum(poor_by_ethnicity) == poor_households",
                     "Tổng hộ nghèo chia theo dân tộc phải bằng số hộ nghèo."),
        ),
        categories=(ETHNIC_GROUP, SEX),
        combos=(ETHNIC, ETHNIC_SEX),
        indicators=(
            IndicatorSpec("DT_SO_HO", "Số hộ", "Số hộ gia đình thường trú trên địa bàn tại thời điểm báo cáo.",
                          "Đếm số hộ theo sổ hộ khẩu/cơ sở dữ liệu dân cư.", "hộ", "dan_toc"),
            IndicatorSpec("DT_HO_NGHEO", "Số hộ nghèo", "Hộ có thu nhập và mức thiếu hụt dịch vụ xã hội cơ bản "
                          "dưới chuẩn nghèo đa chiều hiện hành.", "Theo kết quả rà soát hộ nghèo hằng năm.",
                          "hộ", "dan_toc"),
        ),
        schedules=schedules,
    )


#: The sở, ngành that keep ethnic-affairs data in a province organised as before 2025 (code, name, sector).
SECTOR_DEPARTMENTS_2020 = (
    ("SYT", "Sở Y tế", "y_te"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "giao_duc"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", "lao_dong"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "nong_nghiep"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "van_hoa"),
    ("CA", "Công an", "cong_an"),
)


def sector_departments(prefix: str, province: str) -> list[UnitSpec]:
    """:data:`SECTOR_DEPARTMENTS_2020` of ``province`` ("tỉnh Cao Bằng") for ``agency_units``, coded ``PREFIX-SYT``."""
    return [UnitSpec(f"{prefix}-{code}", f"{name} {province}", sector=sector)
            for code, name, sector in SECTOR_DEPARTMENTS_2020]
