package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.images.fetcher.FetcherSettings;
import io.corral.posix.launch.LogRotation;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The container logger and fetcher flags: Mesos' names and defaults, and what stops the agent. */
class ContainerLoggerFlagsTest {
  @TempDir Path temp;

  private static ContainerLoggerFlags logger(String... args) {
    ContainerLoggerFlags flags = new ContainerLoggerFlags();
    new CommandLine(flags).parseArgs(args);
    return flags;
  }

  @Test
  void theSandboxLoggerIsTheDefault() {
    assertEquals(Optional.empty(), logger().resolve(LauncherFlag.Kind.LINUX));
  }

  @Test
  void logrotateTakesMesosFlags() {
    assertEquals(Optional.of(new LogRotation(10L << 20, 0, 10L << 20, 0)),
        logger("--container_logger=logrotate").resolve(LauncherFlag.Kind.LINUX));
    assertEquals(Optional.of(new LogRotation(1L << 20, 3, 4096, 1)),
        logger("--container_logger=" + ContainerLoggerFlags.MESOS_LOGROTATE, "--max_stdout_size=1MB",
            "--logrotate_stdout_options=rotate 3", "--max_stderr_size=4KB", "--logrotate_stderr_options=rotate 1")
            .resolve(LauncherFlag.Kind.LINUX));
  }

  @Test
  void whatCannotBeHonouredStopsTheAgentNamingIt() {
    assertEquals("Flag '--container_logger=logrotate' needs the linux launcher: the rotation is done by corral-init",
        assertThrows(StartupException.class, () -> logger("--container_logger=logrotate")
            .resolve(LauncherFlag.Kind.POSIX)).getMessage());
    assertEquals("Unknown container logger 'syslog': Corral has 'sandbox' and 'logrotate'",
        assertThrows(StartupException.class, () -> logger("--container_logger=syslog")
            .resolve(LauncherFlag.Kind.LINUX)).getMessage());
    assertEquals("Expected --max_stdout_size and --max_stderr_size of at least 4096 bytes",
        assertThrows(StartupException.class, () -> logger("--container_logger=logrotate", "--max_stderr_size=1KB")
            .resolve(LauncherFlag.Kind.LINUX)).getMessage());
    assertThrows(StartupException.class, () -> logger("--container_logger=logrotate",
        "--logrotate_stdout_options=compress").resolve(LauncherFlag.Kind.LINUX));
  }

  @Test
  void theFetcherFlagsHaveMesosDefaultsAndTheCacheIsPrivate() throws Exception {
    FetcherFlags flags = new FetcherFlags();
    new CommandLine(flags).parseArgs("--fetcher_cache_dir=" + temp.resolve("cache"));
    FetcherSettings settings = flags.start(temp.resolve("work")).settings();
    assertEquals(FetcherSettings.DEFAULT_CACHE_SIZE, settings.cacheSize());
    assertEquals(FetcherSettings.DEFAULT_STALL_TIMEOUT, settings.stallTimeout());
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
        java.nio.file.Files.getPosixFilePermissions(temp.resolve("cache"))));
    FetcherFlags top = new FetcherFlags();
    new CommandLine(top).parseArgs("--fetcher_cache_dir=/tmp");
    assertThrows(StartupException.class, () -> top.start(temp.resolve("work")));
    FetcherFlags unset = new FetcherFlags();
    new CommandLine(unset).parseArgs();
    assertEquals(temp.resolve("work").resolve("fetch").toAbsolutePath(),
        unset.start(temp.resolve("work")).settings().cacheDir(), "in the work directory unless a flag says otherwise");
  }
}
