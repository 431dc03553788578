"""The WeCom group robot webhook against a real local HTTP server."""

import json

import pytest

from nuanxin.messaging.wecom import (
    MARKDOWN_MAX_BYTES,
    WeComError,
    markdown_message,
    text_message,
    wecom_robot_send,
)

from .local_server import LocalServer

OK = (200, {"errcode": 0, "errmsg": "ok"})


def test_a_markdown_message_is_posted_as_wecom_documents_it():
    with LocalServer([OK]) as server:
        answer = wecom_robot_send(
            webhook_url=server.url("/cgi-bin/webhook/send?key=abc-123"),
            message=markdown_message("**停电通知**\n驿站今晚停电"),
        )
    assert answer["errcode"] == 0
    request = server.requests[0]
    assert request["method"] == "POST"
    assert request["path"] == "/cgi-bin/webhook/send?key=abc-123"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"]) == {
        "msgtype": "markdown",
        "markdown": {"content": "**停电通知**\n驿站今晚停电"},
    }


def test_a_text_message_can_mention_mobiles():
    with LocalServer([OK]) as server:
        wecom_robot_send(
            webhook_url=server.url("/send?key=k"),
            message=text_message("请大家注意", mentioned_mobile_list=["13800138000", "@all"]),
        )
    assert server.json_bodies()[0] == {
        "msgtype": "text",
        "text": {"content": "请大家注意", "mentioned_mobile_list": ["13800138000", "@all"]},
    }


def test_long_markdown_is_cut_to_wecoms_limit_without_breaking_a_character():
    message = markdown_message("暖" * 3000)  # 9000 bytes of UTF-8
    content = message["markdown"]["content"]
    assert len(content.encode("utf-8")) <= MARKDOWN_MAX_BYTES
    assert content.endswith("…")


@pytest.mark.parametrize(
    ("answer", "retryable"),
    [
        ((200, {"errcode": 45009, "errmsg": "api freq out of limit"}), True),
        ((200, {"errcode": 93000, "errmsg": "invalid webhook url"}), False),
        ((500, {"oops": True}), True),
        ((404, {"errcode": 404}), False),
        ((200, b"<html>not json</html>"), True),
    ],
)
def test_refusals_raise_with_whether_a_retry_may_help(answer, retryable):
    with LocalServer([answer]) as server, pytest.raises(WeComError) as caught:
        wecom_robot_send(webhook_url=server.url("/send?key=k"), message=markdown_message("x"))
    assert caught.value.retryable is retryable


def test_an_unreachable_robot_is_retryable_and_a_bad_url_is_not():
    with LocalServer([OK]) as server:
        url = server.url("/send?key=k")
    # the server is gone now: connection refused
    with pytest.raises(WeComError) as caught:
        wecom_robot_send(webhook_url=url, message=markdown_message("x"), timeout=2)
    assert caught.value.retryable is True
    with pytest.raises(WeComError) as caught:
        wecom_robot_send(webhook_url="file:///etc/passwd", message=markdown_message("x"))
    assert caught.value.retryable is False
