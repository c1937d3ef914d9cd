#!/usr/bin/env python3
"""Drives the looking glass in a real browser (Debian's chromium + chromedriver, selenium from the venv).

Usage: browser_check.py SPEC.json
SPEC: {"url", "artifacts", "servers": [...], "duid", "address", "held_at", "released_at",
       "socket", "live_frame" (hex, sent to the relay's socket once the live page listens),
       "live_server", "hostile_pages": [paths], "hostile_texts": [texts that must show as text]}
Prints one JSON object with what it saw; exits 1 on the first failed check (message on stderr).
Screenshots go to SPEC.artifacts.
"""
import json
import os
import socket
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def fail(message):
    print("browser check failed: " + message, file=sys.stderr)
    sys.exit(1)


def no_dialog(driver, where):
    try:
        alert = driver.switch_to.alert
        fail("a dialog opened on %s: %r" % (where, alert.text))
    except NoAlertPresentException:
        pass


def main():
    spec = json.load(open(sys.argv[1]))
    url, artifacts = spec["url"].rstrip("/"), spec["artifacts"]
    os.makedirs(artifacts, exist_ok=True)
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,900"]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    seen = {}
    try:
        wait = WebDriverWait(driver, 60)

        def shot(name):
            driver.save_screenshot(os.path.join(artifacts, name + ".png"))

        # The overview lists the servers.
        driver.get(url + "/")
        listed = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child a")]
        shot("overview")
        for server in spec["servers"]:
            if server not in listed:
                fail("the overview does not list %r: %r" % (server, listed))
        seen["overview_servers"] = listed

        # A DUID search finds its transactions.
        driver.get(url + "/search?duid=" + spec["duid"])
        rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
        shot("search-duid")
        if len(rows) < 3:
            fail("the DUID search shows %d rows, expected request, renew and release" % len(rows))
        seen["duid_rows"] = len(rows)

        # Who had the address: the client while it held it, nobody after the release.
        driver.get(url + "/leases")
        driver.find_element(By.NAME, "address").send_keys(spec["address"])
        driver.find_element(By.NAME, "at").send_keys(spec["held_at"])
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(lambda d: "address=" in d.current_url)
        shot("leases-held")
        cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "tbody td")]
        if spec["duid"] not in cells:
            fail("the lease question at %s does not name %s: %r" % (spec["held_at"], spec["duid"], cells))
        driver.get(url + "/leases?address=" + spec["address"] + "&at=" + spec["released_at"])
        shot("leases-released")
        if driver.find_elements(By.CSS_SELECTOR, "tbody tr"):
            fail("someone still holds %s after its release" % spec["address"])
        seen["lease_answers"] = cells

        # The live tail shows a transaction sent through the relay.
        driver.get(url + "/live")
        wait.until(lambda d: d.find_element(By.ID, "status").text.startswith("Live"))
        sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sent = time.monotonic()
        sender.sendto(bytes.fromhex(spec["live_frame"]), spec["socket"])
        sender.close()
        WebDriverWait(driver, 120, poll_frequency=0.05).until(
            lambda d: any(spec["live_server"] in r.text for r in d.find_elements(By.CSS_SELECTOR, "tr.live-row")))
        seen["live_seconds"] = round(time.monotonic() - sent, 3)
        shot("live")

        # Hostile strings: no element made, no dialog, shown as text.
        for index, path in enumerate(spec["hostile_pages"]):
            driver.get(url + path)
            no_dialog(driver, path)
            shot("hostile-%d" % index)
            if driver.find_elements(By.TAG_NAME, "img"):
                fail("an <img> element exists on %s" % path)
            scripts = [s.get_attribute("src") or "(inline)" for s in driver.find_elements(By.TAG_NAME, "script")]
            if any(not s.endswith("/static/live.js") for s in scripts):
                fail("a script element exists on %s: %r" % (path, scripts))
            if driver.execute_script("return window.__xss === true"):
                fail("injected script ran on %s" % path)
            body = driver.find_element(By.TAG_NAME, "body").text
            for text in spec["hostile_texts"]:
                if text in body:
                    seen.setdefault("hostile_shown", []).append(path)
                    break
            else:
                fail("none of the hostile strings shows as text on %s" % path)
    finally:
        driver.quit()
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
