package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.corral.actors.ContainerError;
import io.corral.actors.ContainerState;
import io.corral.isolators.Limitation;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Call;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.Test;

/** Every ContainerError and failure kind maps to one status, code and plain-text message. */
class ErrorMappingTest {
  private static final ContainerID ID = ContainerID.newBuilder().setValue("c1").build();

  @Test
  void mapsEveryContainerError() {
    assertMapped(404, "container.notfound", "Container 'c1' cannot be found",
        new ContainerError.NotFound(ID), Call.Type.WAIT_CONTAINER);
    assertMapped(409, "container.exists", "Container 'c1' already exists",
        new ContainerError.AlreadyExists(ID), Call.Type.KILL_CONTAINER);
    assertMapped(409, "container.invalid-state",
        "Failed to remove container: container 'c1' is RUNNING",
        new ContainerError.InvalidState(ID, ContainerState.RUNNING, "Failed to remove container"),
        Call.Type.REMOVE_CONTAINER);
    assertMapped(400, "container.isolator-failed",
        "Failed to prepare with isolator 'posix/cpu': boom",
        new ContainerError.IsolatorFailed("posix/cpu", Phase.PREPARE, "boom"),
        Call.Type.LAUNCH_CONTAINER);
    assertMapped(500, "container.isolator-failed",
        "Failed to cleanup with isolator 'posix/cpu': boom",
        new ContainerError.IsolatorFailed("posix/cpu", Phase.CLEANUP, "boom"),
        Call.Type.REMOVE_CONTAINER);
    assertMapped(400, "container.launch-failed", "Failed to launch container: exec: ENOENT",
        new ContainerError.LaunchFailed("exec: ENOENT"), Call.Type.LAUNCH_CONTAINER);
    assertMapped(400, "request.invalid", "bad", new ContainerError.InvalidRequest("bad"),
        Call.Type.LAUNCH_CONTAINER);
    assertMapped(500, "agent.internal", "Failed to checkpoint",
        new ContainerError.Internal("Failed to checkpoint"), Call.Type.LAUNCH_CONTAINER);
  }

  @Test
  void anAlreadyExistingContainerOnLaunchIs202Empty() {
    HttpResponse r = ErrorMapping.toResponse(
        new ContainerError.AlreadyExists(ID), Call.Type.LAUNCH_CONTAINER);
    assertEquals(202, r.status().intValue());
    assertEquals(0, r.entity().getContentLengthOption().orElse(-1));
  }

  @Test
  void mapsALimitation() {
    Limitation limitation = limitation();
    HttpResponse r = ErrorMapping.toResponse(
        new ContainerError.LimitationReached(limitation), Call.Type.LAUNCH_CONTAINER);
    assertEquals(400, r.status().intValue());
    assertEquals("container.limitation", code(r));
    assertEquals("Memory limit exceeded", body(r));
  }

  @Test
  void aTimeoutIs503AndAnyOtherFailure500() {
    HttpResponse timeout = ErrorMapping.fromFailure(
        new CompletionException(new TimeoutException("ask")), "kill container 'c1'",
        Duration.ofSeconds(60));
    assertEquals(503, timeout.status().intValue());
    assertEquals("Failed to kill container 'c1': no answer within 1mins", body(timeout));
    HttpResponse other = ErrorMapping.fromFailure(
        new IllegalStateException("x"), "get state", Duration.ofSeconds(1));
    assertEquals(500, other.status().intValue());
    assertEquals("Failed to get state: java.lang.IllegalStateException: x", body(other));
    HttpResponse large = ErrorMapping.fromFailure(
        new BodyReader.TooLarge(1024), "read request body", Duration.ofSeconds(1));
    assertEquals(413, large.status().intValue());
  }

  @Test
  void printsDurationsAsStout() {
    assertEquals("500ms", ErrorMapping.stout(Duration.ofMillis(500)));
    assertEquals("15secs", ErrorMapping.stout(Duration.ofSeconds(15)));
    assertEquals("2mins", ErrorMapping.stout(Duration.ofMinutes(2)));
    assertEquals("3hrs", ErrorMapping.stout(Duration.ofHours(3)));
    assertEquals("7days", ErrorMapping.stout(Duration.ofDays(7)));
  }

  @Test
  void settingsComeFromConfigWithDefaults() {
    HttpSettings defaults = HttpSettings.fromConfig(ConfigFactory.empty());
    assertEquals(HttpSettings.defaults(), defaults);
    assertEquals(8L * 1024 * 1024, defaults.maxRequestBytes());
    assertEquals(Optional.empty(), defaults.idleTimeout());
    HttpSettings custom = HttpSettings.fromConfig(ConfigFactory.parseString(
        "corral.http { max-request-bytes = 1m, ask-timeout = 5s, wait-timeout = 1h,"
            + " idle-timeout = 90s }"));
    assertEquals(1024 * 1024, custom.maxRequestBytes());
    assertEquals(Duration.ofSeconds(5), custom.askTimeout());
    assertEquals(Duration.ofHours(1), custom.waitTimeout());
    assertEquals(Optional.of(Duration.ofSeconds(90)), custom.idleTimeout());
    assertEquals(Optional.empty(), HttpSettings.fromConfig(ConfigFactory.parseString(
        "corral.http.idle-timeout = infinite")).idleTimeout());
  }

  private static void assertMapped(
      int status, String code, String message, ContainerError error, Call.Type call) {
    HttpResponse r = ErrorMapping.toResponse(error, call);
    assertEquals(status, r.status().intValue(), message);
    assertEquals(code, code(r));
    assertEquals(message, body(r));
  }

  private static String code(HttpResponse r) {
    return r.getHeader(ErrorMapping.CODE_HEADER).orElseThrow().value();
  }

  private static String body(HttpResponse r) {
    return ((org.apache.pekko.http.javadsl.model.HttpEntity.Strict) r.entity())
        .getData().utf8String();
  }

  private static Limitation limitation() {
    return new Limitation(java.util.List.of(), "Memory limit exceeded",
        TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY);
  }
}
