package io.corral.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code network/cni}'s {@code --network_cni_root_dir_persist} across a real reboot: one run of
 * the test guest ({@code it/vm/run.sh}) whose command, {@link CniRebootGuest} through {@link
 * GuestTests}, reboots the guest half-way (user-mode Linux restarts its kernel in place, on the
 * same copy-on-write root file system, and the guest's init runs the command again). The first
 * boot prints its leases and reboots; the second asserts and prints the summary that decides.
 * Needs user-mode Linux, the default engine here: qemu runs with {@code -no-reboot}, so a reboot
 * there ends the guest.
 */
@Tag("root")
class CniRebootIT {
  @Test
  void aPersistedCniNetworkIsReleasedAfterARealRebootOfTheGuest() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the guest boots with the host's user-mode Linux");
    assumeTrue(possible(), "needs the test guest's 'uml' engine: under '" + engine()
        + "' (qemu with -no-reboot) a reboot ends the guest");
    GuestRun.Result run = EarlyGuests.take(guest()).await();
    List<String> output = run.output();
    String all = run.all();
    assertTrue(output.stream().anyMatch(l -> l.startsWith("before the reboot: leases [")), "the first boot:\n" + all);
    assertEquals(0, run.exit(), "the guest's test failed or skipped after the reboot:\n" + all);
    assertTrue(output.contains("guest tests: 1 run, 1 succeeded, 0 failed, 0 skipped"), "the summary:\n" + all);
  }

  /**
   * The run, from the checkout's {@code it/}: two boots and four agent starts, on a loaded
   * machine longer than run.sh's default 1500 s.
   */
  static GuestRun.Spec guest() {
    return new GuestRun.Spec("guest/cni-reboot", false, Path.of("").toAbsolutePath().toString(),
        List.of(CniRebootGuest.class.getName()),
        Map.of("CORRAL_TESTVM_TIMEOUT", System.getenv().getOrDefault("CORRAL_TESTVM_TIMEOUT", "3600")));
  }

  /** Whether the engine is user-mode Linux (given, or the one run.sh chose here, or not chosen yet). */
  private static boolean possible() {
    String engine = engine();
    return engine.isEmpty() || engine.equals("uml");
  }

  /** The engine given, or the one run.sh chose on this host, if it chose one yet. */
  private static String engine() {
    String given = System.getenv("CORRAL_TESTVM_ENGINE");
    if (given != null) {
      return given;
    }
    Path known = Path.of("/run/corral-testvm-engine");
    try {
      return Files.isRegularFile(known) ? Files.readString(known).strip() : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
