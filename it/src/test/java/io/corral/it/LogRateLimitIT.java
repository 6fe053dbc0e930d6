package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The agent's log rate-limits a repeated failure (its RepeatedFailureFilter): a real agent fails
 * the same launch, the same way, many times; its log file shows the first five failures, drops
 * the rest for the window ({@code --log_repeat_window}, here 15 s), and once the window has passed
 * the next failure comes after one line saying how many were dropped.
 */
@Tag("root")
class LogRateLimitIT {
  private static final String FAILURE = "Failed to fetch the URIs of container [repeat]";
  private static final Pattern SUMMARY = Pattern.compile("\\((\\d+) similar lines suppressed\\)");
  private static final int ALLOWED = 5;
  private static final Duration WINDOW = Duration.ofSeconds(15);
  private static final long WINDOW_NANOS = WINDOW.toNanos();

  private static List<String> lines(Path log) {
    try {
      return Files.readAllLines(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Launches 'repeat' with a URI that cannot be fetched (a 400, logged as a WARN), then removes it. */
  private static void failOnce(AgentClient client, Path missing) {
    String launch = AgentClient.launchJsonRaw("\"container_id\":{\"value\":\"repeat\"},\"command\":{\"value\":"
        + "\"true\",\"uris\":[{\"value\":" + AgentClient.quote(missing.toString()) + "}]}");
    assertNotEquals(200, client.postJson(launch).statusCode());
    assertTrue(client.waitFor("repeat").getMessage().contains("Failed to fetch"));
    assertEquals(200, client.remove("repeat"));
  }

  private static long count(List<String> lines, String text) {
    return lines.stream().filter(line -> line.contains(text)).count();
  }

  @Test
  void aRepeatedFailureIsLoggedFiveTimesThenSummarized() {
    assumeTrue(Host.isRoot(), "needs root: the linux launcher");
    try (AgentProcess agent = AgentProcess.start("--log_repeat_window=" + WINDOW.toSeconds() + "secs")) {
      AgentClient client = agent.client();
      Path log = agent.logFile();
      Path missing = Path.of("/nonexistent-corral-it", "missing.txt");
      long start = System.nanoTime();
      int attempts = 0;
      for (; attempts < 3 * ALLOWED; attempts++) {
        failOnce(client, missing);
      }
      List<String> first = lines(log);
      if (System.nanoTime() - start < WINDOW_NANOS) {
        assertEquals(ALLOWED, count(first, FAILURE), "the first five of one window, no more:\n" + agent.logTail());
        assertFalse(SUMMARY.matcher(String.join("\n", first)).find(), agent.logTail());
      }
      int[] made = {attempts};
      Eventually.await(Duration.ofMinutes(3), () -> {
        if (System.nanoTime() - start < WINDOW_NANOS) {
          return false;
        }
        failOnce(client, missing);
        made[0]++;
        return count(lines(log), "similar lines suppressed") > 0;
      }, () -> "a suppression summary after the window\n" + agent.logTail());
      List<String> all = lines(log);
      int at = 0;
      while (!SUMMARY.matcher(all.get(at)).find()) {
        at++;
      }
      Matcher summary = SUMMARY.matcher(all.get(at));
      assertTrue(summary.find());
      assertTrue(all.get(at).contains("[repeat]"), "the summary is on the failure's logger and container: " + all.get(at));
      assertTrue(all.get(at + 1).contains(FAILURE), "the failure follows its summary: " + all.get(at + 1));
      assertEquals(made[0] - ALLOWED - 1, Integer.parseInt(summary.group(1)),
          "every failure of the first window after the fifth was counted");
      assertEquals(ALLOWED + 1, count(all, FAILURE), agent.logTail());
    }
  }
}
