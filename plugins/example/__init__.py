"""A small plugin that exercises the hooks, for tests and as a template to copy."""
from core import hookimpl
from core.contracts import Contact, PluginInfo, ScheduledJob

PLUGIN_INFO = PluginInfo(
    name="example",
    title="Plugin ví dụ",
    version="1.0.0",
    description="Minh hoạ cách viết một plugin; dùng trong kiểm thử.",
)


@hookimpl
def support_contacts():
    return [Contact(organisation="Nhóm phát triển baocao (ví dụ)", email="example@baocao.invalid")]


@hookimpl
def scheduled_jobs():
    return [ScheduledJob(name="example.nightly", cron="0 2 * * *", func="plugins.example.jobs:nightly",
                         description="Chạy lúc 2 giờ sáng, không làm gì: minh hoạ cách một plugin đặt lịch việc.")]
