"""The console in a real browser: headless Chromium driven by Selenium against a topology of its own (the gateway
serves the console), with an experiment report written by a real `experiment run`. Each test saves screenshots of
the pages it saw under Tests/ConsoleTests/output/, and fails on any script error the pages raised."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "AWSClientTests"))
from running_topology import BIN, CREDENTIALS, ROOT, start_topology, stop_topology  # noqa: E402

OUTPUT = Path(os.environ.get("CALLBACKSIM_CONSOLE_OUTPUT", Path(__file__).resolve().parent / "output"))


@pytest.fixture(scope="session")
def reports():
    """A reports directory holding one real experiment's report (a small kill of the callback sender)."""
    directory = tempfile.mkdtemp(prefix="cbs-reports-")
    result = subprocess.run(
        [str(BIN / "callbacksim"), "experiment", "run", str(ROOT / "experiments" / "kill-callback-sender.yaml"),
         "--executions", "5", "--report", f"{directory}/kill-callback-sender-1"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr + result.stdout
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def topology(reports):
    started = start_topology("--reports", reports)
    yield started
    stop_topology(started)


@pytest.fixture(scope="session")
def aws(topology):
    """boto3 clients of the same topology, to set up what a test needs and to check what the console did."""
    return lambda service: boto3.client(service, endpoint_url=topology.endpoint, **CREDENTIALS)


@pytest.fixture(scope="session")
def browser_session():
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
                     "--lang=en-US"]:
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    yield driver
    driver.quit()


class Browser:
    """The driver plus what every test does with it: open a console page, screenshot it, read its errors."""

    def __init__(self, driver, endpoint, folder):
        self.driver = driver
        self.endpoint = endpoint
        self.folder = folder

    def open(self, hash_=""):
        self.driver.get(f"{self.endpoint}/console/{hash_}")

    def screenshot(self, name):
        """The whole page, not only the window: the window is grown to the page's height for the shot."""
        self.folder.mkdir(parents=True, exist_ok=True)
        width = self.driver.get_window_size()["width"]
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, min(max(height + 140, 800), 6000))
        self.driver.save_screenshot(str(self.folder / f"{name}.png"))
        self.driver.set_window_size(width, 800)

    def script_errors(self):
        errors = list(self.driver.execute_script("return window.consoleErrors || []") or [])
        # A reply with an error status is logged by Chromium as a network entry: the console shows those on the
        # page (tests provoke some on purpose); anything else at SEVERE is a script's error.
        errors += [entry["message"] for entry in self.driver.get_log("browser")
                   if entry["level"] == "SEVERE" and entry.get("source") != "network"]
        return errors


@pytest.fixture
def browser(browser_session, topology, request):
    browser_session.get_log("browser")  # what earlier tests left
    browser_session.set_window_size(1280, 800)
    browser = Browser(browser_session, topology.endpoint, OUTPUT / request.node.name)
    yield browser
    errors = browser.script_errors()
    assert errors == [], "the console's pages raised script errors:\n" + "\n".join(errors)
