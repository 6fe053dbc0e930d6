package io.corral.it.vm;

import io.corral.it.support.Host;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Starts the test guests' runs when the test plan starts, so they run beside the host's tests
 * instead of after them: a guest spends most of its time in one cpu of its own (user-mode Linux)
 * while the host's tests mostly wait. A test class of the plan that needs a guest ({@link
 * GuestKernelIT}, {@link CniRebootIT}) then {@link #take}s its run, started already, and awaits
 * it; the classes run last (the {@code it} module orders classes by name, and this package's
 * name sorts after the others). Runs nobody took are stopped when the plan ends, so a skipped or
 * deselected class leaves no guest behind.
 *
 * <p>Registered for the JUnit Platform through {@code META-INF/services}; {@link GuestTests}
 * (inside a guest) runs without it. Only as root: the guests need it.
 */
public final class EarlyGuests implements TestExecutionListener {
  /** A run a test class of the plan needs, and whether it can run on this host. */
  private record Boot(String testClass, Supplier<GuestRun.Spec> spec, BooleanSupplier possible) {}

  private static final List<Boot> BOOTS = List.of(
      new Boot(GuestKernelIT.class.getName(), GuestKernelIT::kernelGuest, () -> true),
      new Boot(GuestKernelIT.class.getName(), GuestKernelIT::agentsGuest, () -> true),
      new Boot(GuestKernelIT.class.getName(), GuestKernelIT::systemdGuest, () -> true),
      new Boot(CniRebootIT.class.getName(), CniRebootIT::guest, CniRebootIT::possible));

  /** The runs started and not taken yet, by {@link GuestRun.Spec#name}. */
  private static final Map<String, GuestRun> STARTED = new ConcurrentHashMap<>();

  @Override
  public void testPlanExecutionStarted(TestPlan plan) {
    if (!Host.isRoot()) {
      return;
    }
    Set<String> classes = classes(plan);
    for (Boot boot : BOOTS) {
      if (classes.contains(boot.testClass()) && boot.possible().getAsBoolean()) {
        GuestRun.Spec spec = boot.spec().get();
        STARTED.computeIfAbsent(spec.name(), n -> start(spec));
      }
    }
  }

  @Override
  public void testPlanExecutionFinished(TestPlan plan) {
    STARTED.values().forEach(GuestRun::stop);
    STARTED.clear();
  }

  /** The run of {@code spec}: the one started with the plan, or one started now. */
  static GuestRun take(GuestRun.Spec spec) {
    GuestRun early = STARTED.remove(spec.name());
    return early != null ? early : start(spec);
  }

  private static GuestRun start(GuestRun.Spec spec) {
    try {
      return GuestRun.start(spec);
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to start the test guest '" + spec.name() + "'", e);
    }
  }

  private static Set<String> classes(TestPlan plan) {
    return plan.getRoots().stream()
        .flatMap(root -> plan.getDescendants(root).stream())
        .map(TestIdentifier::getSource)
        .flatMap(java.util.Optional::stream)
        .filter(ClassSource.class::isInstance)
        .map(source -> ((ClassSource) source).getClassName())
        .collect(Collectors.toSet());
  }
}
