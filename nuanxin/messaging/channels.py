"""Delivery channels: how one `Delivery` row leaves the platform.

A channel is a class with `send(delivery) -> str` (the provider's message id, or "") that raises
`ChannelError(message, retryable=...)` on failure. The built-in ones are below; a deployment can
replace or add one with the setting

    NUANXIN_MESSAGING_CHANNEL_BACKENDS = {"sms": "myproject.channels.OtherSms", ...}

(keys are `Channel` values). The in-app inbox is not a channel: its rows are written at publication.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Channel
from .wecom import WeComError, markdown_message, wecom_robot_send

DEFAULT_BACKENDS = {
    Channel.SMS: "nuanxin.messaging.channels.SmsChannel",
    Channel.WECOM: "nuanxin.messaging.channels.WeComRobotChannel",
}
SMS_TEMPLATE = "announcement"
SMS_TITLE_MAX = 20  # SMS template variables are short; the full text is in the inbox.


class ChannelError(Exception):
    def __init__(self, message, *, retryable=True):
        super().__init__(message)
        self.retryable = retryable


def channel_backend(channel):
    """An instance of the backend configured for `channel`, or ChannelError when none is."""
    backends = {**DEFAULT_BACKENDS, **getattr(settings, "NUANXIN_MESSAGING_CHANNEL_BACKENDS", {})}
    path = backends.get(channel)
    if not path:
        raise ChannelError(f"no backend for channel {channel!r}", retryable=False)
    return import_string(path)()


class SmsChannel:
    """An SMS to one courier through `messaging.sms.send_sms` (template "announcement")."""

    def send(self, delivery):
        from .sms import SmsDeliveryError, send_sms

        courier = delivery.recipient
        if courier is None or courier.deleted_at is not None or not courier.phone:
            raise ChannelError("the courier has no phone number", retryable=False)
        title = delivery.announcement.title
        if len(title) > SMS_TITLE_MAX:
            title = title[: SMS_TITLE_MAX - 1] + "…"
        try:
            return send_sms(phone=courier.phone, template=SMS_TEMPLATE, params={"title": title}) or ""
        except SmsDeliveryError as exc:
            raise ChannelError(str(exc) or exc.__class__.__name__, retryable=exc.retryable) from exc


def announcement_markdown(announcement):
    """The announcement as WeCom markdown: bold title, the text, and the area it is meant for."""
    area = announcement.area
    return f"**{announcement.title}**\n{announcement.body}\n> {area.full_name or area.name}"


class WeComRobotChannel:
    """A markdown message to one WeCom group robot."""

    def send(self, delivery):
        robot = delivery.robot
        if robot is None or not robot.is_active:
            raise ChannelError("the robot is missing or inactive", retryable=False)
        try:
            wecom_robot_send(
                webhook_url=robot.webhook_url,
                message=markdown_message(announcement_markdown(delivery.announcement)),
            )
        except WeComError as exc:
            raise ChannelError(str(exc), retryable=exc.retryable) from exc
        return ""
