package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fifty LAUNCH_CONTAINER calls of {@code true} in flight at once all succeed, every one of the
 * fifty containers reports exit status 0 to WAIT (nothing lost, nothing mixed up), and REMOVE
 * leaves no container and no directory.
 */
@Tag("root")
class ConcurrentLaunchIT {
  private static final int N = 50;

  @Test
  void fiftyConcurrentLaunchesAllReportZero() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    try (AgentProcess agent = AgentProcess.start(AgentProcess.FULL_ISOLATION)) {
      AgentClient client = agent.client();
      List<String> ids = IntStream.range(0, N).mapToObj(i -> String.format("c-%02d", i)).toList();

      // All fifty requests are sent before any answer is awaited.
      List<CompletableFuture<HttpResponse<String>>> launches = new ArrayList<>();
      for (String id : ids) {
        launches.add(client.postJsonAsync(AgentClient.launchJson(id, "true")));
      }
      Map<String, Integer> launchStatus = new TreeMap<>();
      for (int i = 0; i < N; i++) {
        launchStatus.put(ids.get(i), launches.get(i).get(120, TimeUnit.SECONDS).statusCode());
      }
      assertEquals(Set.of(200), Set.copyOf(launchStatus.values()), "LAUNCH statuses: " + launchStatus
          + "\n" + agent.logTail());

      // WAIT for all of them, also concurrently: each must report a clean exit.
      List<CompletableFuture<HttpResponse<String>>> waits = new ArrayList<>();
      for (String id : ids) {
        waits.add(client.postJsonAsync(AgentClient.idCallJson("WAIT_CONTAINER", id)));
      }
      Map<String, String> results = new TreeMap<>();
      for (int i = 0; i < N; i++) {
        HttpResponse<String> r = waits.get(i).get(120, TimeUnit.SECONDS);
        String result = r.statusCode() == 200
            ? "exit_status=" + AgentClient.parseJson(r.body()).getWaitContainer().getExitStatus()
            : "HTTP " + r.statusCode();
        results.put(ids.get(i), result);
      }
      Map<String, String> notZero = results.entrySet().stream()
          .filter(e -> !e.getValue().equals("exit_status=0"))
          .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
      assertEquals(Map.of(), notZero, "containers that did not report exit_status 0");

      for (String id : ids) {
        assertEquals(200, client.remove(id), "REMOVE '" + id + "'");
      }
      assertEquals(List.of(), client.containers(), "GET_CONTAINERS after REMOVE");
      assertEquals(Set.of(), Host.entries(agent.workDir().resolve("containers")));
      assertEquals(Set.of(), Host.entries(agent.runtimeDir().resolve("containers")));
    }
  }

  /**
   * Ten LAUNCH calls of one id at once: exactly one launches (200), the others find it in use
   * (202), and ten concurrent WAITs all see the one termination (MESOS-6214).
   */
  @Test
  void concurrentLaunchesOfOneIdLaunchOnce() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    try (AgentProcess agent = AgentProcess.start(AgentProcess.FULL_ISOLATION)) {
      AgentClient client = agent.client();
      List<CompletableFuture<HttpResponse<String>>> launches = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        launches.add(client.postJsonAsync(AgentClient.launchJson("same", "echo ran >> runs; exit 4")));
      }
      List<Integer> statuses = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> f : launches) {
        statuses.add(f.get(120, TimeUnit.SECONDS).statusCode());
      }
      assertEquals(1, statuses.stream().filter(s -> s == 200).count(), "one 200 among " + statuses);
      assertEquals(9, statuses.stream().filter(s -> s == 202).count(), "nine 202 among " + statuses);

      List<CompletableFuture<HttpResponse<String>>> waits = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        waits.add(client.postJsonAsync(AgentClient.idCallJson("WAIT_CONTAINER", "same")));
      }
      for (CompletableFuture<HttpResponse<String>> f : waits) {
        HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(4 << 8, AgentClient.parseJson(r.body()).getWaitContainer().getExitStatus());
      }
      assertEquals(List.of("ran"), java.nio.file.Files.readAllLines(agent.sandbox("same").resolve("runs")),
          "the command ran once");
      assertEquals(200, client.remove("same"));
    }
  }
}
