package io.corral.isolators.docker;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ImageConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link DockerRuntime}: every one of the 32 cells of Mesos' command table (8 CommandInfo rows:
 * shell, value, arguments each set or not; 4 image columns: Entrypoint, Cmd each set or not),
 * with the exact argv or the exact error, and the image environment.
 */
class DockerRuntimeTest {
  private static final List<String> ENTRYPOINT = List.of("/ep", "ep1", "ep2");
  private static final List<String> CMD = List.of("/cmd", "cmd1");
  private static final List<String> ARGS = List.of("arg0", "arg1");
  private static final String NO_SHELL_VALUE =
      "Failed to determine the launch command: Shell specified but no command value provided";
  private static final String NO_EXECUTABLE =
      "Failed to determine the launch command: No executable is found";

  private static CommandInfo command(boolean shell, boolean value, boolean arguments) {
    CommandInfo.Builder command = CommandInfo.newBuilder().setShell(shell);
    if (value) {
      command.setValue("/value");
    }
    if (arguments) {
      command.addAllArguments(ARGS);
    }
    return command.build();
  }

  private static ImageConfig image(boolean entrypoint, boolean cmd) {
    ImageConfig.Builder image = ImageConfig.newBuilder();
    if (entrypoint) {
      image.addAllEntrypoint(ENTRYPOINT);
    }
    if (cmd) {
      image.addAllCmd(CMD);
    }
    return image.build();
  }

  private static List<String> concat(List<?>... parts) {
    List<String> all = new ArrayList<>();
    for (List<?> part : parts) {
      part.forEach(p -> all.add((String) p));
    }
    return all;
  }

  /** The table as the seed gives it: a list is an argv, a String an error message. */
  static Stream<Arguments> cells() {
    List<String> shellValue = List.of("/bin/sh", "-c", "/value");
    List<String> value = List.of("/value");
    List<String> valueArgs = List.of("/value", "arg1");
    Object[][] rows = {
        // sh, value, argv: neither, Cmd, Entrypoint, both
        {false, false, false, NO_EXECUTABLE, CMD, ENTRYPOINT, concat(ENTRYPOINT, CMD)},
        {false, false, true, NO_EXECUTABLE, concat(List.of("/cmd"), ARGS),
            concat(ENTRYPOINT, ARGS), concat(ENTRYPOINT, ARGS)},
        {false, true, false, value, value, value, value},
        {false, true, true, valueArgs, valueArgs, valueArgs, valueArgs},
        {true, false, false, NO_SHELL_VALUE, NO_SHELL_VALUE, NO_SHELL_VALUE, NO_SHELL_VALUE},
        {true, false, true, NO_SHELL_VALUE, NO_SHELL_VALUE, NO_SHELL_VALUE, NO_SHELL_VALUE},
        {true, true, false, shellValue, shellValue, shellValue, shellValue},
        {true, true, true, shellValue, shellValue, shellValue, shellValue},
    };
    boolean[][] columns = {{false, false}, {false, true}, {true, false}, {true, true}};
    List<Arguments> cells = new ArrayList<>();
    for (Object[] row : rows) {
      for (int c = 0; c < 4; c++) {
        cells.add(Arguments.of(command((boolean) row[0], (boolean) row[1], (boolean) row[2]),
            image(columns[c][0], columns[c][1]), row[3 + c],
            String.format("sh=%d value=%d argv=%d entrypoint=%d cmd=%d", bit(row[0]), bit(row[1]),
                bit(row[2]), columns[c][0] ? 1 : 0, columns[c][1] ? 1 : 0)));
      }
    }
    return cells.stream();
  }

  private static int bit(Object b) {
    return (boolean) b ? 1 : 0;
  }

  @ParameterizedTest(name = "{3}")
  @MethodSource("cells")
  void eachCellOfTheTable(CommandInfo command, ImageConfig image, Object expected, String cell) {
    if (expected instanceof String error) {
      assertEquals(error, assertThrows(IsolatorException.class,
          () -> DockerRuntime.argv(command, image)).getMessage(), cell);
      assertThrows(IsolatorException.class, () -> DockerRuntime.validate(command, image));
    } else {
      assertEquals(expected, DockerRuntime.argv(command, image), cell);
      assertDoesNotThrow(() -> DockerRuntime.validate(command, image));
    }
  }

  @Test
  void theTableHas32Cells() {
    assertEquals(32, cells().count());
  }

  @Test
  void onlyTheShellWithoutValueIsKnownBeforeThePull() {
    assertEquals(NO_SHELL_VALUE, assertThrows(IsolatorException.class,
        () -> DockerRuntime.validate(command(true, false, true))).getMessage());
    // No value and no arguments: fine until the image turns out to have neither Entrypoint nor Cmd.
    assertDoesNotThrow(() -> DockerRuntime.validate(command(false, false, false)));
    assertDoesNotThrow(() -> DockerRuntime.validate(CommandInfo.newBuilder().setValue("x").build()));
  }

  @Test
  void theImageEnvironmentSkipsEntriesWithoutANameAndValue() {
    ImageConfig image = ImageConfig.newBuilder()
        .addAllEnv(List.of("PATH=/bin", "NOEQUALS", "=empty-name", "A=b=c", "EMPTY=")).build();
    assertEquals(List.of("PATH=/bin", "A=b=c", "EMPTY="), DockerRuntime.environment(image));
  }
}
