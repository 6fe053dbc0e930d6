package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.ps.PsException;
import io.corral.posix.ps.PsProcessTable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --process_table}: the choice at start, its checks and its refusals (in process). */
class ProcessTableFlagTest {
  private static final List<String> POSIX = List.of("filesystem/posix", "posix/cpu", "posix/mem");
  private final PsProcessTable ps = new PsProcessTable("ps", Duration.ofSeconds(5));
  private final Supplier<PsProcessTable> psWorks = () -> ps;
  private final Supplier<PsProcessTable> noPs = () -> {
    throw new PsException("Failed to run 'ps': Cannot run program \"ps\": error=2, No such file or directory");
  };

  private static ProcessTableFlag parse(String... args) {
    ProcessTableFlag flag = new ProcessTableFlag();
    new CommandLine(flag).parseArgs(args);
    return flag;
  }

  @Test
  void autoReadsProcWhereItIsReadableAndRunsPsElsewhere() {
    assertEquals(Optional.empty(), parse().resolve(POSIX, true, noPs), "/proc: through the kernel facade");
    assertSame(ps, parse().resolve(POSIX, false, psWorks).orElseThrow());
    assertEquals(Map.of("process_table", "auto"), FlagValues.render(parse()), "GET_FLAGS shows it");
  }

  @Test
  void psAndProcCanBeForced() {
    assertSame(ps, parse("--process_table=ps").resolve(POSIX, true, psWorks).orElseThrow());
    assertEquals(Optional.empty(), parse("--process_table=proc").resolve(POSIX, true, noPs));
    StartupException e = assertThrows(StartupException.class,
        () -> parse("--process_table=proc").resolve(List.of("posix/mem"), false, psWorks));
    assertEquals("Failed to create isolator 'posix/mem': --process_table=proc but '/proc/self/stat' is not readable",
        e.getMessage());
  }

  @Test
  void aPsThatDoesNotWorkStopsTheStartNamingTheIsolators() {
    StartupException e = assertThrows(StartupException.class, () -> parse().resolve(POSIX, false, noPs));
    assertEquals("Failed to create isolators 'posix/cpu', 'posix/mem': Failed to run 'ps': Cannot run program"
        + " \"ps\": error=2, No such file or directory", e.getMessage());
  }

  @Test
  void withoutPosixCpuOrMemNothingIsReadOrChecked() {
    assertEquals(Optional.empty(), parse("--process_table=ps").resolve(List.of("disk/du"), false, noPs));
    assertEquals(Optional.empty(), parse("--process_table=proc").resolve(List.of("disk/du"), false, noPs));
  }

  @Test
  void unknownValuesAreRefused() {
    for (String bad : List.of("PS", "", "jdk")) {
      StartupException e = assertThrows(StartupException.class,
          () -> parse("--process_table=" + bad).resolve(List.of("disk/du"), true, psWorks));
      assertEquals("Unknown or unsupported process table '" + bad + "': must be 'auto', 'proc' or 'ps'",
          e.getMessage());
    }
  }

  @Test
  void thisHostHasBoth() {
    assertTrue(ProcessTableFlag.procReadable() && ProcessTableFlag.psOnPath(), "Linux with procps");
    assertTrue(parse("--process_table=ps").resolve(POSIX).orElseThrow() instanceof PsProcessTable);
  }
}
