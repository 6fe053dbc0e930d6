package io.corral.it.vm;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs test classes with the JUnit Platform and no build tool: what the test guest runs
 * ({@code java -cp <the it module's test classpath> io.corral.it.vm.GuestTests SELECTOR...}), since
 * Maven there would have to rebuild the checkout. A selector is a test class, a package followed by
 * {@code .*} (its classes named {@code *IT}, as failsafe picks them), or {@code !CLASS} or
 * {@code !CLASS#METHOD}, left out. Prints one line per test (and each skip's
 * reason, each failure's stack trace), then a summary line {@code guest tests: N run, N
 * succeeded, N failed, N skipped} that {@link GuestKernelIT} reads, and exits 0 only when
 * every test ran and none failed.
 */
public final class GuestTests {
  private GuestTests() {}

  public static void main(String[] args) throws ClassNotFoundException {
    if (args.length == 0) {
      System.err.println("usage: GuestTests CLASS|PACKAGE.*|!CLASS|!CLASS#METHOD...");
      System.exit(2);
    }
    LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
    List<String> classes = new ArrayList<>();
    List<String> methods = new ArrayList<>();
    for (String name : args) {
      if (name.startsWith("!")) {
        if (name.contains("#")) {
          methods.add(name.substring(1));
        } else {
          classes.add(Pattern.quote(name.substring(1)));
        }
      } else if (name.endsWith(".*")) {
        request.selectors(selectPackage(name.substring(0, name.length() - 2)));
      } else {
        request.selectors(selectClass(Class.forName(name)));
      }
    }
    // the selected classes too; a *Guest class is a test meant for the guest only (CniRebootGuest)
    request.filters(ClassNameFilter.includeClassNamePatterns(".*IT", ".*Guest"));
    if (!classes.isEmpty()) {
      request.filters(ClassNameFilter.excludeClassNamePatterns(classes.toArray(String[]::new)));
    }
    request.filters((PostDiscoveryFilter) test -> test.getSource()
        .filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
        .filter(m -> methods.contains(m.getClassName() + "#" + m.getMethodName()))
        .map(m -> FilterResult.excluded("left out"))
        .orElse(FilterResult.included("selected")));
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    Launcher launcher = LauncherFactory.create();
    LauncherDiscoveryRequest built = request.build();
    launcher.execute(built, summary, new Progress());
    TestExecutionSummary result = summary.getSummary();
    result.printFailuresTo(new PrintWriter(System.out, true), 40);
    long skipped = result.getTestsSkippedCount() + result.getTestsAbortedCount();
    System.out.printf("guest tests: %d run, %d succeeded, %d failed, %d skipped%n",
        result.getTestsStartedCount(), result.getTestsSucceededCount(),
        result.getTotalFailureCount(), skipped);
    System.out.flush();
    System.exit(result.getTotalFailureCount() == 0 && skipped == 0
        && result.getTestsStartedCount() > 0 ? 0 : 1);
  }

  /** One line per finished or skipped test, as it happens, and each class's time (CI's budget). */
  private static final class Progress implements TestExecutionListener {
    private final Map<String, Long> started = new HashMap<>();

    @Override
    public void executionStarted(TestIdentifier test) {
      started.put(test.getUniqueId(), System.nanoTime());
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
      System.out.println("SKIPPED " + name(test) + ": " + reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
      if (test.isTest() || result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
        String cause = result.getThrowable().map(t -> ": " + t).orElse("");
        System.out.println(result.getStatus() + " " + name(test) + cause);
      }
      Long since = started.remove(test.getUniqueId());
      if (since != null && test.getSource().filter(ClassSource.class::isInstance).isPresent()) {
        System.out.printf("CLASS %s: %d s%n", name(test), (System.nanoTime() - since) / 1_000_000_000L);
      }
    }

    private static String name(TestIdentifier test) {
      List<String> parts = Arrays.asList(test.getUniqueId().split("/"));
      return parts.stream().map(p -> p.replaceAll("^\\[[a-z-]+:(.*)\\]$", "$1"))
          .skip(1).reduce((a, b) -> a + "#" + b).orElse(test.getDisplayName());
    }
  }
}
