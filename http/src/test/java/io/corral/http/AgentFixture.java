package io.corral.http;

import io.corral.actors.Containerizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * One agent API server on {@code 127.0.0.1:<free port>} in front of a {@link FakeContainerizer},
 * with a {@code java.net.http} client (the Pekko HTTP route testkit cannot run with Pekko 1.7).
 */
final class AgentFixture implements AutoCloseable {
  /** Initialises logback before any actor system logs (versions.md gotcha 11). */
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AgentFixture.class);
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final AgentInfo INFO = new AgentInfo(
      AgentInfo.MESOS_VERSION, "0.1.0-test", "2026-11-25 19:30:50",
      Instant.ofEpochSecond(1_764_099_050L), "builder", Instant.ofEpochMilli(1_764_100_000_500L),
      "slave(1)@127.0.0.1:5051", "host-a", "agent-1",
      List.of(new AgentInfo.Flag("isolation", "posix/cpu,posix/mem"),
          new AgentInfo.Flag("container_disk_watch_interval", "15secs"),
          new AgentInfo.Flag("enforce_container_disk_quota", "false")));

  final ActorTestKit testKit;
  final FakeContainerizer fake = new FakeContainerizer();
  final AtomicBoolean ready = new AtomicBoolean(true);
  /** What /metrics and /metrics/snapshot read. */
  final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
      new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
  final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(TIMEOUT)
      .build();
  final ServerBinding binding;
  final String base;

  AgentFixture() throws Exception {
    this(HttpSettings.defaults());
  }

  AgentFixture(HttpSettings settings) throws Exception {
    this(settings, ActorTestKit.create());
  }

  AgentFixture(HttpSettings settings, ActorTestKit testKit) throws Exception {
    this(settings, testKit, io.corral.http.security.HttpSecurity.open());
  }

  AgentFixture(io.corral.http.security.HttpSecurity security) throws Exception {
    this(HttpSettings.defaults(), ActorTestKit.create(), security);
  }

  AgentFixture(HttpSettings settings, ActorTestKit testKit,
      io.corral.http.security.HttpSecurity security) throws Exception {
    this(settings, testKit, security, io.corral.actors.files.SandboxFiles.none(),
        LoggingControl.fixed());
  }

  /** An agent whose files API serves {@code files} and whose logging calls use {@code logging}. */
  AgentFixture(io.corral.http.security.HttpSecurity security,
      io.corral.actors.files.SandboxFiles files, LoggingControl logging) throws Exception {
    this(HttpSettings.defaults(), ActorTestKit.create(), security, files, logging);
  }

  private AgentFixture(HttpSettings settings, ActorTestKit testKit,
      io.corral.http.security.HttpSecurity security, io.corral.actors.files.SandboxFiles files,
      LoggingControl logging) throws Exception {
    this.testKit = testKit;
    ActorRef<Containerizer.Command> containerizer = testKit.spawn(fake.behavior(), "containerizer");
    AgentRoutes routes = AgentRoutes.builder(testKit.system(), containerizer, INFO, settings).ready(ready::get)
        .registry(registry).security(security).files(files).logging(logging).build();
    binding = AgentServer.bind(testKit.system(), "127.0.0.1", 0, routes, settings)
        .toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    base = "http://127.0.0.1:" + binding.localAddress().getPort();
    LOG.debug("Agent API under test at {}", base);
  }

  /** A request builder for {@code path} with the fixture's timeout. */
  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT);
  }

  /** POSTs {@code json} to /api/v1 as {@code application/json}. */
  HttpResponse<String> postJson(String json) throws Exception {
    return send(request("/api/v1")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(request(path).GET());
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<byte[]> sendBytes(HttpRequest.Builder request) throws Exception {
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Override
  public void close() {
    binding.unbind().toCompletableFuture().orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .join();
    testKit.shutdownTestKit();
  }
}
