package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Commands;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Scratch;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The files API of a real agent (as root, on loopback) over a real container's sandbox:
 * {@code /files/read|browse|download|debug}, LIST_FILES and READ_FILE, with Mesos' JSON; every
 * bad path (traversal, a symlink out of the sandbox, an unknown container, a path outside
 * every sandbox, a directory read, bad numbers) gets its status and a message, reads nothing,
 * creates nothing, and the agent and the container carry on. Authorization: a principal that
 * may not view the container nor read the agent log gets 403. {@code corral logs} reads and
 * follows a container's output through the agent.
 */
@Tag("root")
class FilesApiIT {
  private static final String OPERATOR = "operator";
  private static final String OUTSIDER = "outsider";
  private static final String ID = "files-it";
  private static final Map<String, String> OBJECTS = Map.of("access_mesos_logs", "logs", "set_log_level", "level");
  private static final String ACLS = "{\"permissive\":false,"
      + rule("launch_standalone_containers", true) + "," + rule("wait_standalone_containers", true)
      + "," + rule("kill_standalone_containers", true) + ","
      + rule("remove_standalone_containers", true) + "," + rule("view_standalone_containers", true)
      + "," + rule("access_mesos_logs", false) + "," + rule("set_log_level", false) + "}";

  private static Path dir;
  private static Path credentials;
  private static AgentProcess agent;
  private static AgentClient operator;
  private static AgentClient outsider;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: the agent launches containers in namespaces");
    dir = Files.createTempDirectory("corral-files-");
    credentials = dir.resolve("credentials.json");
    Files.writeString(credentials, "{\"credentials\":[{\"principal\":\"" + OPERATOR
        + "\",\"secret\":\"op-secret\"},{\"principal\":\"" + OUTSIDER
        + "\",\"secret\":\"out-secret\"}]}");
    Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
    Path log = dir.resolve("agent.log");
    Files.writeString(log, "an agent log line\n");
    agent = AgentProcess.start(Map.of(), "--http_credentials=file://" + credentials,
        "--authenticate_http_readonly", "--acls=" + ACLS, "--external_log_file=" + log);
    operator = agent.client().withAuthorization(AgentClient.basic(OPERATOR, "op-secret"));
    outsider = agent.client().withAuthorization(AgentClient.basic(OUTSIDER, "out-secret"));
    assertEquals(200, operator.launch(ID, "echo hello; echo oops >&2; mkdir d;"
        + " ln -s /etc/passwd escape; ln -s stdout inside; exec sleep 3617"));
    Eventually.await(Duration.ofSeconds(30),
        () -> read("/containers/" + ID + "/escape", "-1", null).statusCode() == 400,
        "the container wrote its files");
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      operator.destroy(ID);
      agent.close();
    }
    Scratch.delete(dir);
  }

  @Test
  void readsAFileOfTheSandboxAsMesosDoes() {
    String stdout = "/containers/" + ID + "/stdout";
    assertEquals("{\"data\":\"hello\\n\",\"offset\":0}", read(stdout, "0", null).body());
    assertEquals("{\"data\":\"\",\"offset\":6}", read(stdout, "-1", null).body());
    assertEquals("{\"data\":\"ll\",\"offset\":2}", read(stdout, "2", "2").body());
    assertEquals("{\"data\":\"\",\"offset\":9}", read(stdout, "9", null).body());
    assertEquals("{\"data\":\"hello\\n\",\"offset\":0}",
        read(agent.sandbox(ID).resolve("stdout").toString(), "0", null).body(), "the real path");
    assertEquals("{\"data\":\"hello\\n\",\"offset\":0}",
        read("/containers/" + ID + "/inside", "0", null).body(), "a symlink inside");
    Response.ReadFile file = AgentClient.parseJson(operator.postJson(readFile(stdout, 0))
        .body()).getReadFile();
    assertEquals(6, file.getSize());
    assertEquals("hello\n", file.getData().toStringUtf8());
    HttpResponse<String> download = get(operator, "/files/download?path=" + enc(stdout));
    assertEquals(200, download.statusCode());
    assertEquals("hello\n", download.body());
    assertEquals("attachment; filename=stdout",
        download.headers().firstValue("Content-Disposition").orElse(""));
  }

  @Test
  void listsTheSandbox() {
    String sandbox = "/containers/" + ID;
    HttpResponse<String> browse = get(operator, "/files/browse?path=" + enc(sandbox + "/"));
    assertEquals(200, browse.statusCode(), browse.body());
    assertTrue(browse.body().contains("{\"path\":\"" + sandbox + "/d\",\"nlink\":2,"), browse.body());
    assertTrue(browse.body().matches("(?s).*\"path\":\"" + sandbox
        + "/stdout\",\"nlink\":1,\"size\":6,\"mtime\":[0-9.e+]+,\"mode\":\"-rw.......\","
        + "\"uid\":\"root\",\"gid\":\"root\".*"), browse.body());
    Response list = AgentClient.parseJson(operator.postJson(
        "{\"type\":\"LIST_FILES\",\"list_files\":{\"path\":\"" + sandbox + "\"}}").body());
    assertTrue(list.getListFiles().getFileInfosList().stream()
        .anyMatch(f -> f.getPath().equals(sandbox + "/stderr") && f.getSize() == 5),
        list.toString());
  }

  @Test
  void refusesEveryBadPathAndChangesNothing() throws IOException {
    List<Path> before = tree(agent.workDir());
    String sandbox = "/containers/" + ID;
    assertStatus(400, "is inaccessible", read(sandbox + "/../../credentials", "0", null));
    assertStatus(400, "is inaccessible", read(sandbox + "/escape", "0", null));
    assertStatus(400, "is inaccessible", read(sandbox + "/..", "0", null));
    assertStatus(404, "Failed to find", read("/containers/../credentials", "0", null));
    assertStatus(404, "Failed to find", read("/containers/nobody/stdout", "0", null));
    assertStatus(404, "Failed to find", read("/etc/passwd", "0", null));
    assertStatus(404, "Failed to find", read(sandbox + "/missing", "0", null));
    assertStatus(400, "Cannot read a directory", read(sandbox + "/d", "0", null));
    assertStatus(400, "Failed to parse offset", read(sandbox + "/stdout", "abc", null));
    assertStatus(400, "Negative length provided: -5", read(sandbox + "/stdout", "0", "-5"));
    assertStatus(400, "Expecting 'path=value' in query", get(operator, "/files/read?offset=0"));
    assertStatus(400, "Cannot download a directory",
        get(operator, "/files/download?path=" + enc(sandbox + "/d")));
    assertStatus(400, "is inaccessible", operator.postJson(readFile(sandbox + "/escape", 0)));
    assertStatus(404, "Failed to find", operator.postJson(
        "{\"type\":\"LIST_FILES\",\"list_files\":{\"path\":\"/containers/nobody\"}}"));
    assertStatus(400, "Expecting 'read_file' to be present",
        operator.postJson("{\"type\":\"READ_FILE\"}"));
    assertEquals(before, tree(agent.workDir()), "nothing created or removed");
    assertTrue(operator.container(ID).isPresent(), "the container still runs");
    assertTrue(operator.healthy());
  }

  @Test
  void aCallerThatMayNotViewIsRefused() {
    String stdout = "/containers/" + ID + "/stdout";
    assertEquals(403, get(outsider, "/files/read?path=" + enc(stdout) + "&offset=0").statusCode());
    assertEquals(403, get(outsider, "/files/browse?path=/containers/" + ID).statusCode());
    assertEquals(403, outsider.postJson(readFile(stdout, 0)).statusCode());
    assertEquals(403, get(outsider, "/files/read?path=/slave/log&offset=0").statusCode());
    assertEquals(401, agent.client().withAuthorization(null)
        .request("GET", "/files/read?path=" + enc(stdout)).statusCode());
    assertFalse(get(outsider, "/files/debug").body().contains(ID));
    assertEquals("{\"data\":\"an agent log line\\n\",\"offset\":0}",
        get(operator, "/files/read?path=/slave/log&offset=0").body());
    assertTrue(get(operator, "/files/debug").body().contains(
        "\"/containers/" + ID + "\":\"" + agent.sandbox(ID) + "\""));
  }

  @Test
  void corralLogsPrintsAndFollowsTheOutput() {
    String[] where = {"--agent=" + agent.baseUri(), "--http_credentials=" + credentials,
        "--principal=" + OPERATOR};
    Commands.Result logs = corral("logs", where, ID);
    assertEquals(0, logs.exit(), logs.err());
    assertEquals("hello", logs.out()); // Commands strips the output
    assertEquals("oops", corral("logs", where, "--stderr", ID).out());
    String follow = "files-follow";
    assertEquals(200, operator.launch(follow, "for i in 1 2 3; do echo line $i; sleep 0.3; done"));
    Commands.Result followed = corral("logs", where, "-f", follow);
    assertEquals(0, followed.exit(), followed.err());
    assertEquals("line 1\nline 2\nline 3", followed.out());
    operator.remove(follow);
    Commands.Result unknown = corral("logs", where, "nobody");
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().startsWith("Failed to read '/containers/nobody/stdout': 404"),
        unknown.err());
  }

  private static HttpResponse<String> read(String path, String offset, String length) {
    return get(operator, "/files/read?path=" + enc(path) + "&offset=" + offset
        + (length == null ? "" : "&length=" + length));
  }

  private static HttpResponse<String> get(AgentClient client, String path) {
    return client.request("GET", path);
  }

  private static String readFile(String path, long offset) {
    return "{\"type\":\"READ_FILE\",\"read_file\":{\"path\":" + AgentClient.quote(path)
        + ",\"offset\":" + offset + "}}";
  }

  private static void assertStatus(int status, String message, HttpResponse<String> response) {
    assertEquals(status, response.statusCode(), response.body());
    assertTrue(response.body().contains(message), response.body());
    assertFalse(response.body().contains("root:x:0"), "no file content in a refusal");
  }

  private static List<Path> tree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> !p.startsWith(root.resolve("provisioner"))).sorted().toList();
    }
  }

  private static String enc(String path) {
    return URLEncoder.encode(path, StandardCharsets.UTF_8);
  }

  private static Commands.Result corral(String command, String[] where, String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(command));
    all.addAll(List.of(where));
    all.addAll(List.of(args));
    return Commands.run(AgentProcess.corralCommand(all.toArray(String[]::new))
        .toArray(String[]::new));
  }

  private static String rule(String action, boolean users) {
    return "\"" + action + "\":[{\"principals\":{\"values\":[\"" + OPERATOR + "\"]}"
        + (users ? ",\"users\":{\"type\":\"ANY\"}" : ",\"" + OBJECTS.get(action) + "\":{\"type\":\"ANY\"}") + "}]";
  }
}
