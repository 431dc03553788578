"""The couriers' main journeys in a real browser, on a phone, in Chinese:

1. a new courier signs in with a texted code, accepts the privacy notice, registers and is greeted
   by name on the home page;
2. a registered courier raises a need, staff answer it, the courier sees the reply on the need and
   in the inbox, and "mark read" (htmx) marks the message read in place;
3. on a demo site the demo number signs in with 123456 and no text message is sent.

Sign-in always goes through /m/login/ itself; the code is read from the test SMS backend's outbox.
"""

import re

import pytest

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.couriers.demo import load_demo_couriers
from nuanxin.couriers.models import CourierProfile
from nuanxin.couriers.tests.factories import make_courier, make_privacy_notice
from nuanxin.messaging import sms
from nuanxin.needs import services as need_services
from nuanxin.needs.models import Need

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

pytestmark = pytest.mark.browser


@pytest.fixture
def tree(transactional_db):
    return make_tree()


@pytest.fixture
def outbox(settings):
    """Texts go to the in-memory backend; the list of messages "sent" during this test."""
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def texted_code(outbox, phone):
    """The sign-in code of the last text sent to `phone` (a normalized number)."""
    sent = [
        message for message in outbox if message["phone"] == phone and message["template"] == "login_code"
    ]
    assert sent, f"no sign-in code was texted to {phone}"
    return sent[-1]["params"]["code"]


def enter_code(page, code):
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()


# --- 1. a new courier -------------------------------------------------------------------------------


def test_a_new_courier_signs_in_accepts_the_notice_registers_and_is_greeted(live_server, tree, outbox, page):
    # given a published privacy notice and a courier who has never signed in
    make_privacy_notice(version="2025-1", title="暖心驿站个人信息保护说明", body="我们只用你的手机号码登录。")
    page.goto(f"{live_server.url}/m/")
    page.get_by_role("link", name="使用手机号码登录").click()
    expect(page).to_have_url(re.compile(r"/m/login/"))
    # when they type their number the way people write it, a code is texted to it
    page.get_by_label("手机号码").fill("137 1234 5678")
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.get_by_role("status")).to_have_text("6 位验证码已发送至 137****5678，5 分钟内有效。")
    code = texted_code(outbox, "13712345678")
    assert re.fullmatch(r"\d{6}", code)
    # a wrong code is refused on the form, with the tries left, and they stay on the code step
    wrong = "000000" if code != "000000" else "111111"
    enter_code(page, wrong)
    expect(page.get_by_role("alert")).to_have_text("验证码错误，您还可以尝试 4 次。")
    expect(page.get_by_label("验证码")).to_be_visible()
    # then the texted code signs them in and the privacy notice asks for consent
    enter_code(page, code)
    expect(page).to_have_url(re.compile(r"/m/privacy/"))
    expect(page.get_by_role("heading", name=re.compile("暖心驿站个人信息保护说明"))).to_be_visible()
    expect(page.get_by_text("我们只用你的手机号码登录。")).to_be_visible()
    page.get_by_role("button", name="我已阅读并同意").click()
    # and the registration form follows, with the streets of the area tree grouped by district
    expect(page).to_have_url(re.compile(r"/m/register/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("注册")
    expect(page.get_by_label("手机号码")).to_have_value("137****5678")
    street_select = page.get_by_label("工作街道")
    expect(street_select.locator('optgroup[label="和平区"] option')).to_have_text(
        ["劝业场街道", "小白楼街道"]
    )
    expect(street_select.locator('optgroup[label="河东区"] option')).to_have_text(["大王庄街道"])
    # when they leave the name out, the form says what is missing and keeps what they chose
    page.get_by_label("从业类别").select_option(label="外卖骑手")
    page.get_by_label("所属企业或品牌").select_option(label="美团")
    street_select.select_option(label="劝业场街道")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_have_text("请更正下方的 1 处错误。")
    expect(
        page.locator(".c-field", has=page.locator('input[name="name"]')).get_by_role("alert")
    ).to_be_visible()
    expect(page.get_by_label("从业类别")).to_have_value("food_delivery_rider")
    expect(page.get_by_label("工作街道")).to_have_value("120101001000")
    assert not CourierProfile.objects.get(phone_masked="137****5678").is_registered
    # and when they add it, the profile is saved
    page.get_by_label("姓名 *").fill("李师傅")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_have_text("您的资料已保存。")
    # then the home tab greets them by name, with a link to complete the profile (no site given)
    page.locator('.m-tabbar [data-tab="home"]').click()
    expect(page).to_have_url(f"{live_server.url}/m/")
    expect(page.get_by_role("heading", name="李师傅，您好")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("去完善"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("我的需求"))).to_be_visible()
    profile = CourierProfile.objects.select_related("company", "work_area").get(phone_masked="137****5678")
    assert (profile.name, profile.company.code, profile.work_area.name) == ("李师傅", "meituan", "劝业场街道")
    assert profile.is_registered


# --- 2. a need, its reply and the inbox ---------------------------------------------------------------


def test_a_courier_raises_a_need_and_reads_the_streets_reply(live_server, tree, outbox, page):
    # given a registered courier of 劝业场街道 and a staff member of that street
    make_courier(phone="13912340001", name="王师傅", area=tree["street"])
    street_staff = staff(Role.STREET_STAFF, tree["street"], username="quanyechang-staff")
    # when they open the new-need page, sign-in comes first and brings them back to it
    page.goto(f"{live_server.url}/m/needs/new/")
    expect(page).to_have_url(re.compile(r"/m/login/\?next="))
    page.get_by_label("手机号码").fill("13912340001")
    page.get_by_role("button", name="获取短信验证码").click()
    enter_code(page, texted_code(outbox, "13912340001"))
    expect(page).to_have_url(f"{live_server.url}/m/needs/new/")
    # and they raise a need
    page.get_by_label("休息与充电").check()
    page.get_by_label("一句话描述").fill("希望驿站晚上也能充电")
    page.get_by_label("详细说明（选填）").fill("晚上十点以后找不到充电的地方。")
    page.get_by_role("button", name="提交").click()
    # then its page thanks them and shows it as new
    expect(page.get_by_role("status")).to_have_text("谢谢！您的需求已发送给所在街道的工作人员。")
    expect(page.locator("[data-status]")).to_have_text("待处理")
    # and "My needs" lists it as new
    page.goto(f"{live_server.url}/m/needs/")
    item = page.locator("[data-needs] .n-item", has_text="希望驿站晚上也能充电")
    expect(item).to_have_count(1)
    expect(item.locator(".n-status")).to_have_text("待处理")
    expect(item).to_contain_text("休息与充电")

    # when the street's staff answer it
    need = Need.objects.get(title="希望驿站晚上也能充电")
    need_services.need_reply(
        actor=street_staff, need=need, reply="劝业场驿站已开通夜间充电，22点到次日6点开放。"
    )

    # then, reloading, the courier sees the need answered with the reply
    page.reload()
    expect(item.locator(".n-status")).to_have_text("已答复")
    expect(item.locator(".n-reply")).to_have_text("劝业场驿站已开通夜间充电，22点到次日6点开放。")
    item.click()
    expect(page.locator("[data-status]")).to_have_text("已答复")
    expect(page.get_by_role("heading", name="街道答复")).to_be_visible()
    expect(page.locator("[data-reply]")).to_have_text("劝业场驿站已开通夜间充电，22点到次日6点开放。")
    # and the home page counts one unread message
    page.locator('.m-tabbar [data-tab="home"]').click()
    expect(page.locator('.c-tile[href="/m/inbox/"]')).to_contain_text("1 条未读")
    # and the inbox tab shows it unread
    page.locator('.m-tabbar [data-tab="inbox"]').click()
    expect(page).to_have_url(f"{live_server.url}/m/inbox/")
    expect(page.locator("#inbox-unread")).to_have_text("1 条未读消息")
    message = page.locator("[data-inbox] article", has_text="您的需求已答复：希望驿站晚上也能充电")
    expect(message).to_have_attribute("data-read", "false")
    expect(message.get_by_label("未读")).to_have_count(1)
    expect(message).to_contain_text("22点到次日6点开放")
    # when they tap "mark read"
    page.evaluate("window.stillTheSamePage = true")
    message.get_by_role("button", name="标为已读").click()
    # then the message is swapped in place for its read version and the count follows, with no reload
    expect(message).to_have_attribute("data-read", "true")
    expect(message.get_by_role("button", name="标为已读")).to_have_count(0)
    expect(message.get_by_label("未读")).to_have_count(0)
    expect(page.locator("#inbox-unread")).to_have_text("全部已读")
    assert page.evaluate("window.stillTheSamePage") is True, "the inbox was reloaded, not swapped in place"
    assert need.courier.inbox_messages.get().read_at is not None
    # and "Open" still leads to the need
    message.get_by_role("link", name="查看").click()
    expect(page).to_have_url(re.compile(rf"/m/needs/{need.public_id}/$"))
    expect(page.locator("[data-reply]")).to_be_visible()


# --- 3. the demo number ------------------------------------------------------------------------------


def test_the_demo_number_signs_in_with_123456_on_a_demo_site(live_server, tree, outbox, settings, page):
    # given a demo site with its demo courier
    settings.NUANXIN_DEMO = True
    load_demo_couriers()
    page.goto(f"{live_server.url}/m/login/")
    expect(page.get_by_text("演示站点：号码 13800138000 可使用验证码 123456 登录。")).to_be_visible()
    # when
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.get_by_role("status")).to_have_text("演示站点：请输入验证码 123456（不会发送短信）。")
    enter_code(page, "123456")
    # then the demo courier is signed in and greeted, and no text message was sent
    expect(page).to_have_url(f"{live_server.url}/m/")
    expect(page.get_by_role("heading", name="张师傅，您好")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("我的资料"))).to_contain_text("138****8000")
    assert outbox == []
