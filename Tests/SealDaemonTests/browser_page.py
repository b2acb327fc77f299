"""Drives Seal's verification page in a real Chromium (headless) and reports what it saw as JSON.

    python3 browser_page.py BASE_URL FILES_DIR SCREENSHOT

FILES_DIR holds sealed.pdf, sealed.ofd, licence.txt with licence.txt.p7s, tampered.pdf,
revoked.pdf, foreign.pdf, notes.txt and big.bin. The Swift test asserts on the report.
"""
import json
import os
import sys
import urllib.request
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from selenium_axe_python import Axe

base, files, screenshot = sys.argv[1], sys.argv[2], sys.argv[3]


def driver(javascript=True, size=(1280, 900)):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={size[0]},{size[1]}"]:
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def verify(browser, lang, document, signature=None):
    browser.get(f"{base}/?lang={lang}")
    browser.find_element(By.ID, "document").send_keys(os.path.join(files, document))
    if signature:
        browser.find_element(By.ID, "signature").send_keys(os.path.join(files, signature))
    browser.find_element(By.CSS_SELECTOR, "form.upload button").click()
    # The answer is a new page: wait for its verdict (or an error) before reading it.
    WebDriverWait(browser, 30).until(lambda page: page.find_elements(By.CSS_SELECTOR, "#verdict, .error"))
    found = browser.find_elements(By.ID, "verdict")
    if not found:
        return {"verdict": None, "page": browser.find_element(By.TAG_NAME, "body").text}
    verdict = found[0].text.replace("✔", "").replace("✘", "").replace("?", "").strip()
    departments = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "dd.department")]
    body = browser.find_element(By.TAG_NAME, "body").text
    pictures = [image.get_attribute("naturalWidth") for image in browser.find_elements(By.CSS_SELECTOR, "img.seal-picture")]
    reasons = [e.text.split("\n")[0] for e in browser.find_elements(By.CSS_SELECTOR, "dd.reason")]
    checks = [e.get_attribute("textContent") for e in browser.find_elements(By.CSS_SELECTOR, "ul.checks strong")]
    return {"verdict": verdict, "departments": departments, "revoked": ("Revoked" in body) or ("已撤销" in body),
            "reasons": reasons, "checks": checks,
            "pictures": [int(width or 0) for width in pictures],
            "signatures": len(browser.find_elements(By.CSS_SELECTOR, "section.signature"))}


def post(document, name):
    """The form's request without a browser, for the status code of an error page."""
    boundary = uuid.uuid4().hex
    with open(os.path.join(files, document), "rb") as handle:
        content = handle.read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{base}/verify?lang=en", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def serious(browser):
    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    return sorted({v["id"] for v in results["violations"] if v.get("impact") in ("serious", "critical")})


report = {}
browser = driver()
try:
    for lang in ["en", "zh-CN"]:
        report[f"pdf-{lang}"] = verify(browser, lang, "sealed.pdf")
        report[f"ofd-{lang}"] = verify(browser, lang, "sealed.ofd")
        report[f"p7s-{lang}"] = verify(browser, lang, "licence.txt", "licence.txt.p7s")
    report["tampered"] = verify(browser, "en", "tampered.pdf")
    report["tampered-zh-CN"] = verify(browser, "zh-CN", "tampered.pdf")
    report["revoked"] = verify(browser, "en", "revoked.pdf")
    report["foreign"] = verify(browser, "en", "foreign.pdf")
    report["axe-result"] = serious(browser)
    # The result links its archive entry; the entry page shows its proof.
    browser.get(f"{base}/?lang=en")
    verify(browser, "en", "sealed.pdf")
    browser.find_element(By.CSS_SELECTOR, "section.signature dd a[href^='/archive/entries/']").click()
    WebDriverWait(browser, 30).until(lambda page: page.find_elements(By.ID, "proof"))
    report["entry-page"] = {"heading": browser.find_element(By.TAG_NAME, "h1").text,
                            "proof-hashes": len(browser.find_elements(By.CSS_SELECTOR, "ol.hashes li"))}
    browser.get(f"{base}/archive?lang=zh-CN")
    report["archive-page"] = {"heading": browser.find_element(By.TAG_NAME, "h1").text,
                              "entries": len(browser.find_elements(By.CSS_SELECTOR, "tbody tr"))}
    report["axe-archive"] = serious(browser)
    browser.get(f"{base}/?lang=en")
    report["axe-form"] = serious(browser)
    # Keyboard only: Tab goes through the page in reading order; the file is given to the focused
    # field (headless Chromium has no file chooser to type into), Enter on Verify sends the form,
    # and on the result Tab reaches the checks' disclosure, which Enter opens.
    order = []
    for _ in range(8):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        element = browser.switch_to.active_element
        order.append(element.get_attribute("id") or element.get_attribute("class") or element.text)
        if element.get_attribute("id") == "document":
            element.send_keys(os.path.join(files, "sealed.pdf"))
    report["tab-order"] = order
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 30).until(lambda page: page.find_elements(By.CSS_SELECTOR, "#verdict, .error"))
    keyboard = {"verdict": browser.find_element(By.ID, "verdict").text.replace("✔", "").strip(), "opened": False}
    for _ in range(30):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element.tag_name == "summary":
            ActionChains(browser).send_keys(Keys.ENTER).perform()
            keyboard["opened"] = browser.execute_script("return document.querySelector('section.signature details').open")
            keyboard["checks-shown"] = len([e for e in browser.find_elements(By.CSS_SELECTOR, "ul.checks li") if e.is_displayed()])
            break
    report["keyboard"] = keyboard
finally:
    browser.quit()

status, body = post("big.bin", "big.bin")
report["too-large"] = {"status": status, "message": "larger than" in body}
status, body = post("notes.txt", "notes.txt")
report["not-a-document"] = {"status": status, "message": "not a sealed document" in body}
report["still-serving"] = urllib.request.urlopen(f"{base}/healthz").status

quiet = driver(javascript=False)
try:
    report["no-javascript"] = verify(quiet, "en", "sealed.pdf")
finally:
    quiet.quit()

phone = driver(size=(390, 844))
try:
    phone.set_window_size(390, 844)
    report["phone"] = verify(phone, "zh-CN", "sealed.pdf")
    box = phone.execute_script(
        "const r = document.querySelector('.verdict').getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: window.innerWidth, height: window.innerHeight};")
    report["phone-verdict-on-screen"] = box["top"] >= 0 and box["left"] >= 0 and box["right"] <= box["width"] and box["bottom"] <= box["height"]
    phone.save_screenshot(screenshot)
finally:
    phone.quit()

print(json.dumps(report, ensure_ascii=False, sort_keys=True))
