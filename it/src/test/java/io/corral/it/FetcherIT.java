package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.images.testing.LayerTar;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Archives;
import io.corral.it.support.Eventually;
import io.corral.it.support.FileServer;
import io.corral.it.support.Host;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fetcher on a real agent, against an HTTP server on loopback and archives the test makes:
 * every kind of URI lands in the sandbox owned by the command's user, with the fetcher's log in
 * the sandbox's {@code stderr}; every bad input (a missing file, a stalled or endless download,
 * archives that reach outside, a file the user may not read) fails the launch naming the URI and
 * the cause, leaves nothing half-written, and the agent and a neighbour carry on; the cache
 * coalesces concurrent downloads and bypasses URIs larger than itself; a destroy while fetching
 * cancels the download.
 */
@Tag("root")
class FetcherIT {
  static Path temp;
  static FileServer server;
  static AgentProcess agent;
  static AgentClient client;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: a container user other than the agent's");
    temp = Files.createTempDirectory("corral-fetcher-");
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
    byte[] tree = new LayerTar().dir("tree", 0755).file("tree/a.txt", 0644, "from the tar\n").bytes();
    server = FileServer.start()
        .put("run.sh", "#!/bin/sh\necho ran as $(id -un)\n".getBytes(StandardCharsets.UTF_8))
        .put("t.tar", tree)
        .put("t.tgz", Archives.gzip(new LayerTar().file("tgz.txt", 0644, "tgz\n").bytes()))
        .put("t.tar.bz2", Archives.bzip2(new LayerTar().file("bz2.txt", 0644, "bz2\n").bytes()))
        .put("t.tar.xz", Archives.xz(new LayerTar().file("xz.txt", 0644, "xz\n").bytes()))
        .put("t.zip", Archives.zip(Map.of("zipped/z.txt", "zip\n")))
        .put("note.txt.gz", Archives.gzip("gunzipped\n".getBytes(StandardCharsets.UTF_8)))
        .put("dotdot.tar", new LayerTar().file("../escaped-by-dotdot", 0644, "x").bytes())
        .put("link.tar", new LayerTar().symlink("out", temp.toString()).file("out/escaped-by-link", 0644, "x")
            .bytes())
        .put("dotdot.zip", Archives.zip(Map.of("../escaped-by-zip", "x")))
        .put("cached.bin", new byte[4096])
        .put("shared.bin", new byte[4096])
        .put("big.bin", new byte[2 << 20]);
    agent = AgentProcess.start("--fetcher_stall_timeout=2secs", "--fetcher_cache_size=1MB",
        "--fetcher_cache_dir=" + temp.resolve("cache"));
    client = agent.client();
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    if (server != null) {
      server.close();
    }
    if (temp != null) {
      MountSafeDelete.deleteRecursively(temp);
    }
  }

  static String uri(String value, String... more) {
    return "{\"value\":" + AgentClient.quote(value) + (more.length == 0 ? "" : "," + String.join(",", more)) + "}";
  }

  static String launch(String id, String shell, String user, Integer diskMb, String... uris) {
    return AgentClient.launchJsonRaw("\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":"
        + AgentClient.quote(shell) + (user == null ? "" : ",\"user\":\"" + user + "\"")
        + ",\"uris\":[" + String.join(",", uris) + "]}"
        + (diskMb == null ? "" : ",\"resources\":[{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":"
        + diskMb + "}}]"));
  }

  @Test
  void everyKindOfUriIsFetchedAsTheUserAndLogged() throws IOException {
    String check = "./run.sh && cat tree/a.txt tgz.txt bz2.txt xz.txt zipped/z.txt note.txt bin/renamed"
        + " && stat -c %U tree/a.txt zipped/z.txt bin/renamed";
    HttpResponse<String> r = client.postJson(launch("kinds", check, "nobody", null,
        uri(server.url("/files/run.sh"), "\"executable\":true"), uri(server.url("/files/t.tar")),
        uri(server.url("/files/t.tgz")), uri(server.url("/files/t.tar.bz2")), uri(server.url("/files/t.tar.xz")),
        uri(server.url("/files/t.zip")), uri(server.url("/files/note.txt.gz")),
        uri(server.url("/files/cached.bin?x=1"), "\"output_file\":\"bin/renamed\"", "\"extract\":false")));
    assertEquals(200, r.statusCode(), r.body() + agent.logTail());
    assertEquals(0, client.waitFor("kinds").getExitStatus(), Files.readString(agent.sandbox("kinds").resolve("stderr")));
    String out = Files.readString(agent.sandbox("kinds").resolve("stdout"));
    assertTrue(out.startsWith("ran as nobody\nfrom the tar\ntgz\nbz2\nxz\nzip\ngunzipped\n"), out);
    assertTrue(out.endsWith("nobody\nnobody\nnobody\n"), out);
    String log = Files.readString(agent.sandbox("kinds").resolve("stderr"));
    assertTrue(log.contains("Fetched '" + server.url("/files/t.zip") + "' to '"), log);
    assertTrue(log.contains("Successfully fetched all URIs into '" + agent.sandbox("kinds") + "'"), log);
    assertTrue(Files.exists(agent.sandbox("kinds").resolve("t.tgz")), "the archive stays, as with Mesos");
  }

  @Test
  void localFilesAreFetchedOnlyWhenTheUserMayReadThem() throws IOException {
    Path open = Files.writeString(temp.resolve("open.txt"), "readable\n");
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    Path secret = Files.writeString(temp.resolve("secret.txt"), "root only\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    HttpResponse<String> r = client.postJson(launch("local", "cat open.txt", "nobody", null,
        uri("file://" + open), uri(open.toString(), "\"output_file\":\"copy.txt\"")));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(0, client.waitFor("local").getExitStatus());
    assertEquals("readable\n", Files.readString(agent.sandbox("local").resolve("stdout")));
    r = client.postJson(launch("secret", "cat secret.txt", "nobody", null, uri(secret.toString())));
    assertNotEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("Failed to fetch '" + secret + "'") && r.body().contains("Permission denied"),
        r.body());
    assertFalse(Files.exists(agent.sandbox("secret").resolve("secret.txt")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "missing   | /files/nothing.txt  | received HTTP return code 404",
      "stalled   | /stall/slow.bin     | no data for 2000ms",
      "huge      | /huge/endless.bin   | larger than the container's disk limit",
      "dotdot    | /files/dotdot.tar   | has a '..' component",
      "link      | /files/link.tar     | outside the archive",
      "zipdotdot | /files/dotdot.zip   | has a '..' component",
      "nofile    | /no/such/file       | No such file or directory"})
  void aBadUriFailsTheLaunchNamingItAndLeavesNothing(String id, String path, String cause) throws IOException {
    assertEquals(200, client.postJson(AgentClient.launchJson("neighbour-" + id, "sleep 600")).statusCode());
    String value = path.startsWith("/no/") ? path : server.url(path);
    HttpResponse<String> r = client.postJson(launch(id, "true", "nobody", 1, uri(value)));
    assertNotEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("Failed to fetch '" + value + "'") && r.body().contains(cause), r.body());
    assertTrue(client.waitFor(id).getMessage().contains("Failed to fetch '" + value + "'"));
    Eventually.await(Duration.ofSeconds(30), () -> Set.of("stdout", "stderr").equals(Host.entries(agent.sandbox(id))),
        () -> "left in the sandbox: " + Host.entries(agent.sandbox(id)));
    assertTrue(Files.readString(agent.sandbox(id).resolve("stderr")).contains("Failed to fetch '" + value + "'"));
    assertFalse(Files.exists(temp.resolve("escaped-by-link")), "written through the link");
    assertFalse(Files.exists(agent.workDir().resolve("containers").resolve("escaped-by-dotdot")));
    assertFalse(Files.exists(agent.workDir().resolve("containers").resolve("escaped-by-zip")));
    assertTrue(client.healthy(), agent.logTail());
    assertTrue(client.container("neighbour-" + id).isPresent(), "the neighbour runs on");
    assertEquals(200, client.kill("neighbour-" + id, 9));
  }

  @Test
  void concurrentLaunchesOfOneCachedUriDownloadItOnce() {
    server.hold();
    List<CompletableFuture<HttpResponse<String>>> launches = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      launches.add(client.postJsonAsync(launch("cached-" + i, "test -s shared.bin", null, null,
          uri(server.url("/files/shared.bin"), "\"cache\":true"))));
    }
    Eventually.await(Duration.ofSeconds(30), () -> server.requests("/files/shared.bin") >= 1, "the first download");
    server.open();
    for (int i = 0; i < 3; i++) {
      assertEquals(200, launches.get(i).join().statusCode(), launches.get(i).join().body());
      assertEquals(0, client.waitFor("cached-" + i).getExitStatus());
    }
    assertEquals(1, server.requests("/files/shared.bin"), () -> "one download for three launches: "
        + java.util.stream.IntStream.range(0, 3).mapToObj(i -> stderr("cached-" + i)).toList());
  }

  static String stderr(String id) {
    try {
      return Files.readString(agent.sandbox(id).resolve("stderr"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void aUriLargerThanTheCacheIsFetchedDirectly() throws IOException {
    assertEquals(0, server.requests("/files/big.bin"));
    for (String id : List.of("big-1", "big-2")) {
      HttpResponse<String> r = client.postJson(launch(id, "test -s big.bin", null, null,
          uri(server.url("/files/big.bin"), "\"cache\":true")));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(0, client.waitFor(id).getExitStatus());
      assertTrue(Files.readString(agent.sandbox(id).resolve("stderr")).contains("Reverting to fetching directly"));
    }
    assertEquals(4, server.requests("/files/big.bin"), "per launch: the cache's download, refused at its announced"
        + " size, then the direct one");
  }

  @Test
  void aKillWhileFetchingCancelsTheDownload() {
    CompletableFuture<HttpResponse<String>> launch = client.postJsonAsync(launch("killed", "true", null, null,
        uri(server.url("/stall/killed.bin"))));
    Eventually.await(Duration.ofSeconds(30), () -> server.requests("/stall/killed.bin") == 1, "the download");
    assertEquals(200, client.kill("killed", 9));
    assertTrue(client.waitFor("killed").getMessage().contains("killed while FETCHING"), agent.logTail());
    assertNotEquals(200, launch.join().statusCode());
    Eventually.await(Duration.ofSeconds(30), () -> Set.of("stdout", "stderr").equals(Host.entries(agent.sandbox("killed"))),
        () -> "left in the sandbox: " + Host.entries(agent.sandbox("killed")));
  }

  @Test
  void anUnsupportedSchemeIsRefusedBeforeAnythingIsCreated() {
    HttpResponse<String> r = client.postJson(launch("ftp", "true", null, null, uri("ftp://127.0.0.1/x")));
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("Failed to fetch 'ftp://127.0.0.1/x': unsupported URI scheme"), r.body());
    assertFalse(Files.exists(agent.sandbox("ftp")));
  }
}
