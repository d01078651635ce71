"""System Settings pages: every page renders for an admin; roles see only what they may
(a 403 page where the permission is missing, no admin-only links, no edit forms for readers);
the CLI template diff between two stored versions; the preview form's endpoint; no secret in
any settings page; missing ids are 404 pages."""

from __future__ import annotations

import html as html_lib
import re

from console.tests.conftest import Browser, LiveApp, make_login
from console.tests.test_olt_pages import Network, network, restrict  # noqa: F401 (fixture)
from tests.fixtures import api_client

TEMPLATE = "/settings/cli-templates/huawei_smartax/reboot"
PAGE = "/console/settings/cli-templates/huawei_smartax/reboot"
ADMIN_ONLY = ("/console/settings/users", "/console/settings/restriction-groups", "/console/settings/tokens")
SETTINGS_READ_PAGES = ("/console/settings", "/console/settings/cli-templates", PAGE,
                       "/console/settings/snmp-oid-maps", "/console/settings/snmp-oid-maps/huawei_smartax",
                       "/console/settings/acs", "/console/settings/tr069-mappings")
NBI_PASSWORD = "nbi-Pa55word-never-shown"
CWMP_PASSWORD = "cwmpSecret77"
COMMUNITY = "community-Secret-42"


def _pages(client: object, network: Network) -> dict[str, str]:  # noqa: F811
    """Every settings page (with one of each detail page) as the client sees it."""
    mapping = client.get("/settings/tr069-mappings", params={"limit": 1}).json()["results"][0]["id"]  # type: ignore[attr-defined]
    user = client.get("/users", params={"limit": 1}).json()["results"][0]["id"]  # type: ignore[attr-defined]
    paths = [*SETTINGS_READ_PAGES, *ADMIN_ONLY, f"/console/settings/tr069-mappings/{mapping}",
             f"/console/settings/users/{user}", f"/console/settings/restriction-groups/{network.group}"]
    answers = {path: client.get(path) for path in paths}  # type: ignore[attr-defined]
    for path, answer in answers.items():
        assert answer.status_code == 200, (path, answer.text[:500])
        assert "<h1>" in answer.text and 'name="csrf-token"' in answer.text, path
        # one way to send: console.js only, no page script of its own
        assert re.findall(r"<script\b[^>]*>", answer.text) == ['<script src="/static/console.js" defer>'], path
    return {path: answer.text for path, answer in answers.items()}


def test_every_settings_page_renders_for_an_admin_with_its_actions(network: Network) -> None:  # noqa: F811
    admin = api_client(network.url)
    created = admin.post("/tokens", json={"description": "console test"})
    assert created.status_code == 201
    pages = _pages(admin, network)
    index = pages["/console/settings"]
    for path in (*SETTINGS_READ_PAGES[1:4:2], "/console/settings/acs", *ADMIN_ONLY):
        assert f'href="{path}"' in index, path
    assert created.json()["key_prefix"] in pages["/console/settings/tokens"]
    assert f'data-api="/users/{created.json()["user_id"]}/tokens/{created.json()["id"]}"' in pages[
        "/console/settings/tokens"]
    template = pages[PAGE]
    assert f'data-api="{TEMPLATE}" data-method="PUT"' in template
    etag = admin.get(TEMPLATE).headers["ETag"]
    sent = re.search(r'data-if-match="([^"]+)"', template)
    assert sent and html_lib.unescape(sent.group(1)) == etag  # the version read, sent back as If-Match
    assert re.search(r'data-api="/settings/acs/test" data-show="check"', pages["/console/settings/acs"])
    assert 'data-show="token"' in pages["/console/settings/tokens"]
    assert 'data-api="/settings/tr069-mappings" data-method="POST"' in pages["/console/settings/tr069-mappings"]
    assert re.search(r'data-api="/settings/snmp-oid-maps/\d+" data-method="PUT"\s+data-if-match="[^"]+"',
                     pages["/console/settings/snmp-oid-maps/huawei_smartax"])
    assert "north team" in pages["/console/settings/restriction-groups"]


def test_roles_see_only_what_they_may(network: Network) -> None:  # noqa: F811
    reader = api_client(network.url, "rita", "read_only")
    index = reader.get("/console/settings")
    assert index.status_code == 200
    for path in ADMIN_ONLY:
        assert path not in index.text
        page = reader.get(path)
        assert page.status_code == 403 and "Not allowed" in page.text, path
    assert reader.get(f"/console/settings/restriction-groups/{network.group}").status_code == 403
    for path in SETTINGS_READ_PAGES:
        page = reader.get(path)
        assert page.status_code == 200, path
        assert 'data-method="PUT"' not in page.text and 'data-method="DELETE"' not in page.text, path
    template = reader.get(PAGE).text
    assert f'data-api="{TEMPLATE}/preview"' in template  # a read: offered to readers too
    assert "/settings/acs/test" not in reader.get("/console/settings/acs").text

    engineer = api_client(network.url, "nora", "noc_engineer")
    index = engineer.get("/console/settings").text
    assert all(path not in index for path in ADMIN_ONLY) and 'href="/console/settings/acs"' in index
    assert engineer.get("/console/settings/users").status_code == 403
    restrict(network.url, "nora", network.group)  # the preview offers only ONUs in the viewer's zones
    template = engineer.get(PAGE).text
    assert f'data-api="{TEMPLATE}" data-method="PUT"' in template
    assert "HWTC0000CC01" in template and "HWTC0000BB01" not in template

    billing = api_client(network.url, "bill", "billing")
    for path in ("/console/settings", PAGE, "/console/settings/acs"):
        assert billing.get(path).status_code == 403, path
    assert 'href="/console/settings"' not in billing.get("/console/customers").text


def test_the_diff_between_two_versions_shows_the_changed_lines(network: Network) -> None:  # noqa: F811
    admin = api_client(network.url)
    before = admin.get(TEMPLATE)
    body = before.json()["body"]
    first_command = next(line for line in body.splitlines() if line.strip() and not line.lstrip().startswith("{"))
    changed = body.replace(first_command, first_command + " # edited", 1) + "\ndisplay ont info 0 all\n"
    saved = admin.put(TEMPLATE, json={"body": changed, "comment": "console diff"},
                      headers={"If-Match": before.headers["ETag"]})
    assert saved.status_code == 200, saved.text
    version = saved.json()["version"]
    assert version == before.json()["version"] + 1

    page = admin.get(PAGE, params={"a": version - 1, "b": version})
    assert page.status_code == 200
    diff = re.search(r"<pre class=\"diff[^>]*data-diff>(.*?)</pre>", page.text, re.S)
    assert diff, page.text
    text = html_lib.unescape(diff.group(1))
    assert f'<span class="del">-{first_command}</span>' in text
    assert f'<span class="add">+{first_command} # edited</span>' in text
    assert '<span class="add">+display ont info 0 all</span>' in text
    assert "console diff" in page.text  # the version's comment in the history
    # the newest two versions are compared by default; a version that does not exist is a 404 page
    assert "+display ont info 0 all" in html_lib.unescape(admin.get(PAGE).text)
    for bad in ({"a": 999, "b": version}, {"a": "x", "b": version}):
        missing = admin.get(PAGE, params=bad)
        assert missing.status_code == 404 and "does not exist" in missing.text


def test_the_preview_form_targets_the_preview_endpoint(network: Network) -> None:  # noqa: F811
    admin = api_client(network.url)
    page = admin.get(PAGE).text
    form = re.search(r'<form data-api="([^"]+)" data-method="(\w+)" data-show="commands"', page)
    assert form and form.groups() == (f"{TEMPLATE}/preview", "POST")
    assert 'name="onu_id"' in page and "HWTC0000CC01" in page  # ONUs of the family offered
    answer = admin.post(form.group(1), json={})  # what the form sends without an ONU
    assert answer.status_code == 200 and answer.json()["commands"]


def test_no_secret_appears_in_any_settings_page(network: Network) -> None:  # noqa: F811
    admin = api_client(network.url)
    acs = admin.put("/settings/acs", json={"nbi_url": "http://10.0.0.5:7557", "nbi_username": "proxy",
                                           "nbi_password": NBI_PASSWORD, "cwmp_url": "http://10.0.0.5:7547",
                                           "cwmp_username": "cpe", "cwmp_password": CWMP_PASSWORD})
    assert acs.status_code == 200, acs.text
    token = admin.post("/settings/acs/event-token").json()["token"]
    own = admin.post("/tokens", json={"description": "secret check"}).json()["token"]
    snmp = admin.put(f"/olts/{network.north}/snmp", json={"community": COMMUNITY})
    assert snmp.status_code == 200, snmp.text
    pages = _pages(admin, network)
    acs_page = pages["/console/settings/acs"]
    assert re.search(r'data-secret="nbi_password">set<', acs_page) and "http://10.0.0.5:7557" in acs_page
    for path, text in pages.items():
        for secret in (NBI_PASSWORD, CWMP_PASSWORD, COMMUNITY, token, own):
            assert secret not in text, (path, secret[:6])


def test_missing_ids_are_404_pages(network: Network) -> None:  # noqa: F811
    admin = api_client(network.url)
    for path in ("/console/settings/cli-templates/nokia/reboot", "/console/settings/cli-templates/huawei_smartax/fly",
                 "/console/settings/snmp-oid-maps/nokia", "/console/settings/tr069-mappings/999999",
                 "/console/settings/tr069-mappings/0", f"/console/settings/tr069-mappings/{2**40}",
                 "/console/settings/users/999999", f"/console/settings/users/{2**33}",
                 "/console/settings/restriction-groups/999999", "/console/settings/restriction-groups/-1"):
        answer = admin.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        if str(2**40) not in path and str(2**33) not in path:  # the app-wide guard answers absurd ids itself
            assert "text/html" in answer.headers["content-type"], path


def test_in_a_browser_edits_send_if_match_previews_show_commands_and_a_new_token_shows_once(
        browser: Browser, live_app: LiveApp) -> None:
    from core.db import session_scope
    from oms import cli_templates

    make_login(live_app.db_url, "ada")
    browser.login("ada", "correct horse battery 9")
    browser.goto(PAGE)
    page = browser.page
    page.click("#tpl-preview-h ~ form button[type=submit]")
    commands = page.wait_for_selector("[data-preview-commands]")
    assert commands.inner_text().strip()

    body = page.input_value("#tpl-edit-body")
    page.fill("#tpl-edit-body", body + "\ndisplay ont info 0 all\n")
    page.click("#tpl-edit-h ~ form button[type=submit]")
    page.wait_for_selector("[data-diff] .add")  # reloaded: the new version against the previous one
    assert "+display ont info 0 all" in page.inner_text("[data-diff]")
    browser.screenshot("settings-cli-template-diff")

    with session_scope(live_app.db_url) as session:  # another operator saves meanwhile
        cli_templates.update_template(session, "huawei_smartax", "reboot", body + "\ndisplay board 0\n", "eve")
    page.fill("#tpl-edit-body", body + "\ndisplay version\n")
    page.click("#tpl-edit-h ~ form button[type=submit]")
    page.wait_for_selector("#tpl-edit-out.error")
    assert "412" in page.inner_text("#tpl-edit-out")  # the stale edit is refused, nothing saved

    browser.goto("/console/settings/tokens")
    page.fill("#tok-desc", "browser")
    page.click("#tok-new-h ~ form button[type=submit]")
    token = page.wait_for_selector("[data-new-token]").inner_text()
    assert token.startswith("pst_")
    browser.goto("/console/settings/tokens")
    assert token not in page.content() and "browser" in page.content()
    browser.goto("/console/settings/acs")  # the form sends what PUT /settings/acs takes; the test answers
    page.fill("#acs-nbi-password", NBI_PASSWORD)
    page.click("#acs-edit-h ~ form button[type=submit]")
    page.wait_for_selector('[data-secret="nbi_password"]:text-is("set")')
    assert NBI_PASSWORD not in page.content()
    page.click("text=Test the connection")
    page.wait_for_selector("#acs-test-out.ok, #acs-test-out.error")
    assert page.inner_text("#acs-test-out").startswith(("Reached", "Failed"))
    browser.goto("/console/settings/snmp-oid-maps/huawei_smartax")  # every field sent back as read, with If-Match
    page.click("summary:text-is('Edit olt_cpu')")
    row = page.get_attribute("#metric-olt_cpu", "data-oid-map")
    page.fill(f"#oid-{row}-source", "checked on the bench")
    page.click(f"#oid-{row}-source >> xpath=ancestor::form//button[@type='submit']")
    page.wait_for_selector("#metric-olt_cpu .settings-source:text-is('checked on the bench')")
    assert page.is_visible("#metric-olt_cpu .badge")  # modified: a reset is offered
    browser.screenshot("settings-oid-map")

    browser.goto("/console/settings/restriction-groups")  # console.js forms: create, redirect to the new row
    page.fill("#grp-new-name", "west team")
    page.click("#grp-new-h ~ form button[type=submit]")
    page.wait_for_url("**/console/settings/restriction-groups/*")
    browser.goto("/console/settings/users")
    page.fill("#u-new-name", "walt")
    page.fill("#u-new-password", "a long enough password 1")
    page.click("#u-new-h ~ form button[type=submit]")
    page.wait_for_url("**/console/settings/users/*")
    # groups are replaced as a whole: ticked, then none ([] is sent)
    page.check("fieldset label:has-text('west team') input")
    page.click("#user-groups-h ~ form button[type=submit]")
    page.wait_for_selector('dd a[href^="/console/settings/restriction-groups/"]')
    page.uncheck("fieldset label:has-text('west team') input")
    page.click("#user-groups-h ~ form button[type=submit]")
    page.wait_for_selector("dd:text('none: every OLT')")

    browser.goto("/console/settings/tr069-mappings")
    page.select_option("#map-new-dm", "tr181")
    page.select_option("#map-new-kind", "wifi")
    page.fill("#map-new-field", "ssid")
    page.fill("#map-new-vendor", "Acme")
    page.fill("#map-new-path", "Device.WiFi.SSID.*.SSID")
    page.click("#map-new-h ~ form button[type=submit]")
    page.wait_for_url("**/console/settings/tr069-mappings/*")
    assert "Acme" in page.inner_text("dl.facts")
