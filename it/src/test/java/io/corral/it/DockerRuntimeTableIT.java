package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.images.testing.LayerTar;
import io.corral.images.testing.OciLayout;
import io.corral.images.testing.Registry;
import io.corral.images.testing.TestImages;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Docker Runtime table of the seed, cell by cell, through a real agent: four images (no
 * Entrypoint or Cmd, Cmd only, Entrypoint only, both) whose {@code /ep}, {@code /cmd} and
 * {@code /value} are one static program that writes the command line of the container's command
 * (pid 2: {@code /proc/2/cmdline}, argv[0] included) into the sandbox, and eight CommandInfo rows
 * (shell, value, arguments each set or not). A cell's argv is what the container really ran; an
 * Error cell is a 400 naming the reason: before anything is created when the request alone
 * decides it, after the pull (the container then destroyed) when the image does.
 */
@Tag("root")
class DockerRuntimeTableIT {
  private static final List<String> ENTRYPOINT = List.of("/ep", "ep1", "ep2");
  private static final List<String> CMD = List.of("/cmd", "cmd1");
  private static final List<String> ARGS = List.of("arg0", "arg1");
  /** With a command after it the shell forks /value, so pid 2 stays the shell. */
  private static final String SHELL_VALUE = "/value; exit $?";
  private static final String[] COLUMNS = {"neither", "cmd", "entrypoint", "both"};
  private static final String NO_SHELL_VALUE = "Shell specified but no command value provided";
  private static final String NO_EXECUTABLE = "No executable is found";
  private static final String PROGRAM = String.join("\n",
      "#include <fcntl.h>", "#include <unistd.h>",
      "int main(void) {",
      "  char buf[4096]; int in = open(\"/proc/2/cmdline\", O_RDONLY); if (in < 0) return 2;",
      "  ssize_t n = read(in, buf, sizeof buf); if (n <= 0) return 3;",
      "  for (ssize_t i = 0; i < n; i++) if (buf[i] == 0) buf[i] = '\\n';",
      "  int out = open(\"/mnt/mesos/sandbox/argv\", O_WRONLY | O_CREAT | O_TRUNC, 0644); if (out < 0) return 4;",
      "  return write(out, buf, n) == n ? 0 : 5;", "}", "");

  static ImageFixture images;
  static AgentProcess agent;
  static int launches;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: images");
    images = ImageFixture.start("corral-runtime-table-", new Registry.NoAuth());
    Path program = compile(images.temp);
    byte[] programs = new LayerTar().copy("ep", 0755, program).copy("cmd", 0755, program)
        .copy("value", 0755, program).bytes();
    OciLayout layout = new OciLayout(images.temp.resolve("oci"));
    for (int column = 0; column < 4; column++) {
      ObjectNode config = new ObjectMapper().createObjectNode();
      config.putArray("Env").add("PATH=/bin");
      if (column >= 2) {
        ENTRYPOINT.forEach(config.putArray("Entrypoint")::add);
      }
      if (column % 2 == 1) {
        CMD.forEach(config.putArray("Cmd")::add);
      }
      layout.tag(layout.image(List.of(TestImages.bottomLayer(), programs), config, "amd64"), COLUMNS[column]);
    }
    for (String column : COLUMNS) {
      images.push("oci:" + layout.dir() + ":" + column, "table:" + column);
    }
    agent = AgentProcess.start(images.flags());
  }

  private static Path compile(Path dir) throws IOException, InterruptedException {
    Path source = dir.resolve("argv.c");
    Files.writeString(source, PROGRAM);
    Path binary = dir.resolve("argv");
    Process gcc = new ProcessBuilder("gcc", "-static", "-O2", "-o", binary.toString(), source.toString())
        .redirectErrorStream(true).start();
    String output = new String(gcc.getInputStream().readAllBytes());
    assertTrue(gcc.waitFor(120, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc -static: " + output);
    return binary;
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    if (images != null) {
      images.close();
    }
  }

  static Stream<Arguments> cells() {
    List<String> shell = List.of("/bin/sh", "-c", SHELL_VALUE);
    List<String> value = List.of("/value");
    List<String> valueArgs = List.of("/value", "arg1");
    Object[][] rows = {
        // shell, value, arguments: neither, Cmd, Entrypoint, both
        {false, false, false, NO_EXECUTABLE, CMD, ENTRYPOINT, concat(ENTRYPOINT, CMD)},
        {false, false, true, NO_EXECUTABLE, concat(List.of("/cmd"), ARGS), concat(ENTRYPOINT, ARGS),
            concat(ENTRYPOINT, ARGS)},
        {false, true, false, value, value, value, value},
        {false, true, true, valueArgs, valueArgs, valueArgs, valueArgs},
        {true, false, false, NO_SHELL_VALUE, NO_SHELL_VALUE, NO_SHELL_VALUE, NO_SHELL_VALUE},
        {true, false, true, NO_SHELL_VALUE, NO_SHELL_VALUE, NO_SHELL_VALUE, NO_SHELL_VALUE},
        {true, true, false, shell, shell, shell, shell},
        {true, true, true, shell, shell, shell, shell},
    };
    List<Arguments> cells = new ArrayList<>();
    for (Object[] row : rows) {
      for (int c = 0; c < 4; c++) {
        cells.add(Arguments.of(row[0], row[1], row[2], COLUMNS[c], row[3 + c]));
      }
    }
    return cells.stream();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @ParameterizedTest(name = "shell={0} value={1} arguments={2} image={3}")
  @MethodSource("cells")
  void cell(boolean shell, boolean value, boolean arguments, String image, Object expected) throws IOException {
    String id = "cell" + ++launches;
    StringBuilder command = new StringBuilder("{\"shell\":" + shell);
    if (value) {
      command.append(",\"value\":").append(AgentClient.quote(shell ? SHELL_VALUE : "/value"));
    }
    if (arguments) {
      command.append(",\"arguments\":[\"arg0\",\"arg1\"]");
    }
    command.append('}');
    HttpResponse<String> launched = agent.client().postJson(
        ImageContainerIT.launch(id, "table:" + image, command.toString()));
    if (expected instanceof String error) {
      assertEquals(400, launched.statusCode(), launched.body());
      assertTrue(launched.body().contains(error), launched.body());
    } else {
      assertEquals(200, launched.statusCode(), launched.body() + "\n" + agent.logTail());
      assertEquals(0, agent.client().waitFor(id).getExitStatus(), agent.logTail());
      assertEquals(expected, Files.readAllLines(agent.sandbox(id).resolve("argv")));
    }
    agent.client().remove(id);
  }
}
