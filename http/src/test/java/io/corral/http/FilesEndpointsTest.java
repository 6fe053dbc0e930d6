package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.actors.Layout;
import io.corral.actors.files.SandboxFiles;
import io.corral.http.security.Acls;
import io.corral.http.security.HttpSecurity;
import io.corral.proto.v1.ContainerID;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files routes, {@code /flags}, {@code /version} and the logging calls over HTTP on
 * loopback, with real sandbox files and the containerizer replaced by a fake that knows one
 * container; the ACLs refuse everything to show the 403s.
 */
class FilesEndpointsTest {
  @TempDir Path tmp;
  private AgentFixture agent;
  private AgentFixture refusing;
  private final List<String> levels = new ArrayList<>();

  private final LoggingControl logging = new LoggingControl() {
    private volatile int level;

    @Override
    public int level() {
      return level;
    }

    @Override
    public void set(int v, Duration duration) {
      level = v;
      levels.add(v + " for " + duration);
    }

    @Override
    public Duration parse(String duration) {
      if (!duration.equals("10secs")) {
        throw new IllegalArgumentException("Failed to parse duration '" + duration + "'");
      }
      return Duration.ofSeconds(10);
    }
  };

  @BeforeEach
  void start() throws Exception {
    Layout layout = new Layout(tmp.resolve("work"), tmp.resolve("run"));
    Files.writeString(Files.createDirectories(layout.sandbox("c1")).resolve("stdout"), "hi\n");
    SandboxFiles files = new SandboxFiles(layout, Optional.empty());
    agent = new AgentFixture(HttpSecurity.open(), files, logging);
    refusing = new AgentFixture(new HttpSecurity(false, false, Optional.empty(),
        Optional.of(Acls.parse("{\"permissive\":false}"))), files, logging);
    for (AgentFixture a : List.of(agent, refusing)) {
      a.fake.containers = List.of(new Containerizer.ContainerSnapshot(
          ContainerID.newBuilder().setValue("c1").build(), ContainerState.RUNNING, null, null,
          Optional.empty()));
    }
  }

  @AfterEach
  void stop() {
    agent.close();
    refusing.close();
  }

  @Test
  void readsBrowsesAndRefuses() throws Exception {
    assertEquals("{\"data\":\"hi\\n\",\"offset\":0}",
        agent.get("/files/read?path=/containers/c1/stdout&offset=0").body());
    assertEquals("{\"data\":\"\",\"offset\":3}",
        agent.get("/slave(1)/files/read?path=/containers/c1/stdout").body());
    HttpResponse<String> browse = agent.get("/files/browse?path=/containers/c1");
    assertTrue(browse.body().startsWith("[{\"path\":\"/containers/c1/stdout\",\"nlink\":1,"),
        browse.body());
    assertEquals(400, agent.get("/files/read?path=/containers/c1/../../x").statusCode());
    assertEquals(404, agent.get("/files/read?path=/containers/c2/stdout").statusCode());
    assertEquals(400, agent.get("/files/browse").statusCode());
    assertEquals(400, agent.get("/files/read?path=/containers/c1/stdout&jsonp=f").statusCode());
    assertEquals(403, refusing.get("/files/read?path=/containers/c1/stdout").statusCode());
    assertEquals("{}", refusing.get("/files/debug").body());
    assertEquals(403, refusing.postJson("{\"type\":\"READ_FILE\",\"read_file\":"
        + "{\"path\":\"/containers/c1/stdout\",\"offset\":0}}").statusCode());
    HttpResponse<String> v1 = agent.postJson("{\"type\":\"READ_FILE\",\"read_file\":"
        + "{\"path\":\"/containers/c1/stdout\",\"offset\":1,\"length\":1}}");
    assertEquals("{\"type\":\"READ_FILE\",\"read_file\":{\"size\":3,\"data\":\"aQ==\"}}", v1.body());
  }

  @Test
  void flagsAndVersionHaveMesosShapes() throws Exception {
    assertEquals("{\"flags\":{\"isolation\":\"posix/cpu,posix/mem\","
        + "\"container_disk_watch_interval\":\"15secs\",\"enforce_container_disk_quota\":"
        + "\"false\"}}", agent.get("/flags").body());
    assertEquals("{\"build_date\":\"2026-11-25 19:30:50\",\"build_time\":1764099050.0,"
        + "\"build_user\":\"builder\",\"git_tag\":\"0.1.0-test\",\"version\":\"1.11.0\"}",
        agent.get("/version").body());
  }

  @Test
  void loggingLevelCallsAndToggle() throws Exception {
    assertEquals("0\n", agent.get("/logging/toggle").body());
    assertEquals(200, agent.get("/logging/toggle?level=2&duration=10secs").statusCode());
    assertEquals("{\"type\":\"GET_LOGGING_LEVEL\",\"get_logging_level\":{\"level\":2}}",
        agent.postJson("{\"type\":\"GET_LOGGING_LEVEL\"}").body());
    assertEquals(400, agent.get("/logging/toggle?level=2").statusCode());
    assertEquals(400, agent.get("/logging/toggle?level=-1&duration=10secs").statusCode());
    assertEquals(400, agent.get("/logging/toggle?level=1&duration=never").statusCode());
    assertEquals(400, agent.postJson("{\"type\":\"SET_LOGGING_LEVEL\"}").statusCode());
    assertEquals(200, agent.postJson("{\"type\":\"SET_LOGGING_LEVEL\",\"set_logging_level\":"
        + "{\"level\":1,\"duration\":{\"nanoseconds\":1000}}}").statusCode());
    assertEquals(403, refusing.postJson("{\"type\":\"SET_LOGGING_LEVEL\",\"set_logging_level\":"
        + "{\"level\":1,\"duration\":{\"nanoseconds\":1000}}}").statusCode());
    assertEquals(403, refusing.get("/logging/toggle?level=1&duration=10secs").statusCode());
    assertEquals(List.of("2 for PT10S", "1 for PT0.000001S"), levels);
  }

  @Test
  void modeIsWrittenAsLsDoes() {
    assertEquals("-rw-r--r--", FilesRoutes.mode(0100644));
    assertEquals("drwxr-x---", FilesRoutes.mode(040750));
    assertEquals("lrwxrwxrwx", FilesRoutes.mode(0120777));
  }
}
