package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * corral-init's plan decoder ({@code posix/src/main/c/plan.c}) over 200,000 mutated and random
 * plans, built by Maven with AddressSanitizer and UBSan ({@code target/plan-fuzz}, from
 * {@code posix/src/test/c/plan_fuzz.c}): no crash, no sanitizer report, no leak, every accepted
 * plan within the decoder's promises and every refusal naming its message and field. The seed
 * differs per run and is in every failure message; {@code -Dplan.fuzz.seed=N} replays one.
 */
class PlanFuzzTest {
  private static final int PLANS = 200_000;

  @Test
  void theDecoderSurvivesAndNamesEveryRefusal() throws Exception {
    Path driver = Path.of("target", "plan-fuzz");
    assertTrue(Files.isExecutable(driver), "Maven builds '" + driver.toAbsolutePath() + "' at test-compile");
    long seed = Long.getLong("plan.fuzz.seed", ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
    ProcessBuilder run = new ProcessBuilder(driver.toString(), String.valueOf(PLANS), String.valueOf(seed))
        .redirectErrorStream(true);
    run.environment().put("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:abort_on_error=0");
    run.environment().put("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1");
    Process fuzz = run.start();
    String out = new String(fuzz.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(fuzz.waitFor(5, TimeUnit.MINUTES), "seed " + seed);
    String context = "seed " + seed + " (-Dplan.fuzz.seed=" + seed + "):\n" + out;
    assertEquals(0, fuzz.exitValue(), context);
    assertFalse(out.contains("Sanitizer") || out.contains("runtime error"), context);
    assertTrue(out.startsWith("plan_fuzz: " + PLANS + " plans, "), context);
  }
}
