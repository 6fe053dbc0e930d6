package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.http.security.Credentials;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.HeadlessChromium;
import io.corral.it.support.Host;
import io.corral.it.support.Patience;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The status page of a real agent (as root, read-only authentication on) in a real browser:
 * Debian's headless {@code chromium} over the DevTools protocol. Without credentials the page
 * and its JSON answer 401 (to the browser and to a plain client). With them, the page lists a
 * running container with its age and usage sparklines; then, without a reload, it shows a
 * container launched meanwhile, the killed one's termination, drops a removed one, and its
 * stdout link serves the container's output. Screenshots are kept in
 * {@code it/target/status-page-running.png} and {@code it/target/status-page.png}. A
 * container's start time is the same after the agent is killed and restarted.
 */
@Tag("root")
class StatusPageIT {
  private static final Duration WAIT = Patience.of(Duration.ofSeconds(60));
  private static final String RUNNING = "page-running";
  private static final String QUICK = "page-quick";
  private static final String ROWS = "JSON.stringify([...document.querySelectorAll("
      + "'#containers tbody tr')].map(r => r.dataset.id + '=' + r.dataset.state))";

  private static String row(String id, String selector) {
    return "(() => { const r = document.querySelector('#containers tr[data-id=\"" + id + "\"]');"
        + " return r ? r.querySelector('" + selector + "')?.textContent ?? null : null; })()";
  }

  private static String points(String id, String kind) {
    return "(() => { const s = document.querySelector('#containers tr[data-id=\"" + id + "\"] td."
        + kind + " svg'); return s ? s.dataset.points : '0'; })()";
  }

  @Test
  void showsContainersAndFollowsThemLive() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the agent launches containers in namespaces");
    assumeTrue(HeadlessChromium.binary() != null, "needs Debian's chromium (ops/scripts/setup-debian.sh)");
    try (AgentProcess agent = AgentProcess.start(AgentProcess.FULL_ISOLATION + ",disk/du",
        "--authenticate_http_readonly", "--container_disk_watch_interval=1secs")) {
      AgentClient operator = agent.client();
      AgentClient anonymous = new AgentClient(java.net.URI.create(agent.baseUri()));
      for (String path : new String[] {"/", "/status.json", "/status.js"}) {
        assertEquals(401, anonymous.request("GET", path).statusCode(), path);
      }
      assertEquals(200, operator.postJson(AgentClient.launchJsonRaw(
          "\"container_id\":{\"value\":\"" + RUNNING + "\"},"
              + "\"command\":{\"value\":\"echo page-output; exec sleep 3600\"},"
              + "\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5}},"
              + "{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":64}},"
              + "{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":32}}]")).statusCode());
      try (HeadlessChromium browser = HeadlessChromium.start()) {
        browser.navigate(agent.baseUri() + "/");
        Eventually.await(WAIT, () -> browser.documentStatus() == 401,
            "the browser without credentials gets 401");
        browser.setHeaders(Map.of("Authorization",
            Credentials.read(agent.credentials().toString()).basicAuthorization(Optional.empty())));
        browser.navigate(agent.baseUri() + "/");
        showsTheRunningContainer(browser);
        String polls = browser.evaluateString("document.body.dataset.polls");
        assertEquals(200, operator.launch(QUICK, "echo quick; exit 3"));
        assertEquals(200, operator.kill(RUNNING));
        showsTheEndedContainers(browser);
        assertNotEquals(polls, browser.evaluateString("document.body.dataset.polls"));
        assertEquals(200, operator.remove(RUNNING));
        awaitText(browser, "String(document.querySelector('#containers tr[data-id=\"" + RUNNING
            + "\"]'))", "null");
        assertEquals("no reload", browser.evaluateString("window.corralMarker"));
      } finally {
        operator.destroy(RUNNING);
        operator.destroy(QUICK);
      }
    }
  }

  @Test
  void aContainersStartTimeSurvivesTheAgentsRestart() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the agent launches containers in namespaces");
    String id = "page-recovered";
    try (AgentProcess first = AgentProcess.start(AgentProcess.FULL_ISOLATION)) {
      assertEquals(200, first.client().launch(id, "exec sleep 3600"));
      long started = awaitStarted(first.client(), id);
      first.sigkill();
      try (AgentProcess second = first.restart(AgentProcess.FULL_ISOLATION)) {
        try {
          assertEquals(started, awaitStarted(second.client(), id), "the init's start time, read again");
        } finally {
          second.client().destroy(id);
        }
      }
    }
  }

  /** The {@code started} of {@code id} in {@code /status.json}, once the agent knows it. */
  private static long awaitStarted(AgentClient client, String id) {
    long[] started = {0};
    Eventually.await(WAIT, () -> {
      HttpResponse<String> r = client.request("GET", "/status.json");
      if (r.statusCode() != 200) {
        return false;
      }
      for (JsonElement c : JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("containers")) {
        JsonObject container = c.getAsJsonObject();
        if (container.get("id").getAsString().equals(id) && !container.get("started").isJsonNull()) {
          started[0] = container.get("started").getAsLong();
        }
      }
      return started[0] > 0;
    }, () -> "a start time of '" + id + "' in /status.json");
    return started[0];
  }

  /** The agent, its flags, and the running container with its age, limits and sparklines. */
  private static void showsTheRunningContainer(HeadlessChromium browser) throws Exception {
    awaitText(browser, row(RUNNING, "td.state"), "RUNNING");
    browser.evaluate("window.corralMarker = 'no reload'");
    assertEquals("healthy", browser.evaluateString("document.getElementById('health').textContent"));
    assertTrue(browser.evaluateString("document.getElementById('version').textContent").length() > 0);
    assertNotEquals("-", awaitNot(browser, row(RUNNING, "td.age"), "-"));
    assertTrue(browser.evaluateString("[...document.querySelectorAll('#flags td')]"
        + ".map(t => t.textContent).join(' ')").contains("filesystem/posix,posix/cpu"));
    Eventually.await(WAIT, () -> Integer.parseInt(browser.evaluateString(points(RUNNING, "mem"))) >= 2
        && Integer.parseInt(browser.evaluateString(points(RUNNING, "cpu"))) >= 1,
        () -> "sparklines of two samples: " + browser.evaluateString(ROWS));
    assertTrue(browser.evaluateString(row(RUNNING, "td.mem span")).contains("/ 64.0 MiB"),
        browser.evaluateString(row(RUNNING, "td.mem span")));
    assertTrue(browser.evaluateString(row(RUNNING, "td.cpu span")).contains("/ 0.50"),
        browser.evaluateString(row(RUNNING, "td.cpu span")));
    awaitText(browser, "(" + row(RUNNING, "td.disk span") + " || '').endsWith('/ 32.0 MiB')", "true");
    browser.screenshot(Path.of("target", "status-page-running.png"));
  }

  /** Without a reload: the launched container's and the killed one's terminations, and output. */
  private static void showsTheEndedContainers(HeadlessChromium browser) throws Exception {
    awaitText(browser, row(RUNNING, "td.state"), "TERMINATED");
    awaitText(browser, row(QUICK, "td.state"), "TERMINATED");
    assertTrue(browser.evaluateString(row(QUICK, "td.termination")).contains("status 768"),
        browser.evaluateString(row(QUICK, "td.termination")));
    assertTrue(browser.evaluateString(row(RUNNING, "td.termination")).contains("status 9"),
        browser.evaluateString(row(RUNNING, "td.termination")));
    assertEquals("no reload", browser.evaluateString("window.corralMarker"), "the page was not reloaded");
    assertTrue(browser.evaluateString("fetch(document.querySelector('#containers tr[data-id=\""
        + RUNNING + "\"] a.stdout').href).then(r => r.text())").contains("page-output"));
    Path shot = Path.of("target", "status-page.png");
    browser.screenshot(shot);
    assertTrue(Files.size(shot) > 1000);
  }

  /** Waits until {@code expression} evaluates to {@code expected} (a string, or "true"). */
  private static void awaitText(HeadlessChromium browser, String expression, String expected) {
    Eventually.await(WAIT, () -> expected.equals(browser.evaluateString(expression)),
        () -> expression + " to be '" + expected + "', rows " + browser.evaluateString(ROWS));
  }

  private static String awaitNot(HeadlessChromium browser, String expression, String unwanted) {
    Eventually.await(WAIT, () -> {
      String v = browser.evaluateString(expression);
      return v != null && !v.equals(unwanted);
    }, () -> expression + " to change from '" + unwanted + "'");
    return browser.evaluateString(expression);
  }
}
