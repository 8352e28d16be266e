"""Plugin for Hà Nội's ethnic, belief and religion data system, per the city People's Committee's
2026 Decision (number and date blank in the source text).

Later issues add the unit hierarchy, forms, reporting periods, approval chain, etc. through hooks.
"""
from core import hookimpl
from core.contracts import Contact, PasswordPolicy, PluginInfo

_QUY_CHE = "Quy chế ban hành kèm theo Quyết định …/QĐ-UBND năm 2026 của UBND thành phố Hà Nội"

PLUGIN_INFO = PluginInfo(
    name="ha_noi",
    province_code="01",
    title="Hệ thống thông tin dữ liệu về công tác dân tộc của thành phố Hà Nội",
    version="0.1.0",
    description=(
        "Hệ thống thu thập, tổng hợp, báo cáo, khai thác dữ liệu về công tác dân tộc, tín ngưỡng, tôn giáo "
        "trên địa bàn thành phố Hà Nội. Sở Dân tộc và Tôn giáo trực tiếp quản lý Hệ thống; đơn vị vận hành "
        "bảo đảm kỹ thuật. Đơn vị sử dụng là các sở, ban, ngành Thành phố và Ủy ban nhân dân các xã, phường."
    ),
    regulation="Quyết định số …/QĐ-UBND ngày … tháng … năm 2026 (văn bản nguồn chưa ghi số và ngày)",
    issuer="Ủy ban nhân dân thành phố Hà Nội",
)


@hookimpl
def support_contacts():
    return [
        Contact(
            organisation="Sở Dân tộc và Tôn giáo thành phố Hà Nội",
            role=("Trực tiếp quản lý Hệ thống; quản lý tài khoản; tiếp nhận thông báo sự cố kỹ thuật, "
                  "sự cố mất an toàn thông tin và hướng dẫn xử lý"),
            note=f"Điều 14; Điều 10 khoản 2, Điều 12 khoản 1, Điều 13 khoản 6, {_QUY_CHE}",
        ),
        Contact(
            organisation="Công an thành phố Hà Nội",
            role=("Tiếp nhận báo cáo của đơn vị vận hành khi sự cố gây gián đoạn hoặc có nguy cơ xâm phạm "
                  "an toàn, an ninh thông tin; phối hợp xử lý sự cố an ninh mạng nghiêm trọng và vi phạm"),
            note=f"Điều 12 khoản 3; Điều 15, {_QUY_CHE}",
        ),
        Contact(
            organisation="Sở Khoa học và Công nghệ thành phố Hà Nội",
            role=("Tiếp nhận báo cáo của đơn vị vận hành khi sự cố kỹ thuật gây gián đoạn hoặc có nguy cơ "
                  "xâm phạm an toàn, an ninh thông tin, để phối hợp xử lý"),
            note=f"Điều 12 khoản 3, {_QUY_CHE}",
        ),
    ]


@hookimpl
def password_policy():
    """Điều 9 khoản 2: at least 10 characters with upper, lower, digit and special; changed every 6 months."""
    return PasswordPolicy(min_length=10, max_age_days=180)
