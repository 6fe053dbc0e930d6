package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.isolators.IsolationFlag;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LauncherFlagTest {
  private static final LauncherFlag.Facts LINUX_ROOT = new LauncherFlag.Facts("Linux", true, true, true);

  private static LauncherFlag parse(String... args) {
    LauncherFlag flag = new LauncherFlag();
    new CommandLine(flag).parseArgs(args);
    return flag;
  }

  @Test
  void theLinuxLauncherIsTheDefaultWhereItCanWork() {
    LauncherFlag flag = parse();
    assertEquals(LauncherFlag.Kind.LINUX, flag.resolve(LINUX_ROOT));
    assertEquals(IsolationFlag.ROOT_DEFAULT, flag.defaultIsolation(true));
    assertEquals(Map.of("launcher", "linux"), FlagValues.render(flag), "GET_FLAGS shows the choice");
  }

  @Test
  void thePosixLauncherIsTheDefaultElsewhereWithTheReason() {
    assertEquals(Optional.of("this is Mac OS X, not Linux"),
        LauncherFlag.linuxUnavailable(new LauncherFlag.Facts("Mac OS X", true, false, false)));
    assertEquals(Optional.of("corral-init was not built into this jar (no C compiler at build time)"),
        LauncherFlag.linuxUnavailable(new LauncherFlag.Facts("Linux", true, false, true)));
    assertEquals(Optional.of("the agent does not run as root"),
        LauncherFlag.linuxUnavailable(new LauncherFlag.Facts("Linux", false, true, true)));
    assertEquals(Optional.of("this kernel has no pid namespaces"),
        LauncherFlag.linuxUnavailable(new LauncherFlag.Facts("Linux", true, true, false)));
    LauncherFlag flag = parse();
    assertEquals(LauncherFlag.Kind.POSIX, flag.resolve(new LauncherFlag.Facts("Mac OS X", false, false, false)));
    assertEquals(IsolationFlag.MESOS_DEFAULT, flag.defaultIsolation(false));
    assertEquals("no --isolation given; the launcher is 'posix', so the Mesos default", flag.defaultIsolationReason(true));
  }

  @Test
  void aGivenLauncherIsUsedOrRefused() {
    LauncherFlag posix = parse("--launcher=posix");
    assertEquals(LauncherFlag.Kind.POSIX, posix.resolve(LINUX_ROOT));
    assertEquals(IsolationFlag.MESOS_DEFAULT, posix.defaultIsolation(true), "as root too: the Linux isolators are refused");
    StartupException unavailable = assertThrows(StartupException.class,
        () -> parse("--launcher=linux").resolve(new LauncherFlag.Facts("Linux", true, false, true)));
    assertEquals("Failed to create launcher 'linux': corral-init was not built into this jar (no C compiler at"
        + " build time)", unavailable.getMessage());
    StartupException unknown = assertThrows(StartupException.class, () -> parse("--launcher=windows").resolve(LINUX_ROOT));
    assertEquals("Unknown or unsupported launcher 'windows': must be 'linux' or 'posix'", unknown.getMessage());
  }

  @Test
  void theAgentRefusesTheLinuxIsolatorsByNameWithThePosixLauncher(@TempDir Path tmp) {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    assertEquals(1, cli.execute("agent", "--launcher=posix", "--isolation=posix/cpu,namespaces/pid,cgroups/mem",
        "--work_dir=" + tmp.resolve("w"), "--runtime_dir=" + tmp.resolve("r")));
    assertEquals("Failed to create isolators 'cgroups/mem', 'namespaces/pid': the 'linux' launcher must be used to"
        + " enable them (the launcher is 'posix'; it can run filesystem/posix, posix/cpu, posix/mem, disk/du)",
        err.toString().strip());
  }
}
