package io.corral.it.vm;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs test classes with the JUnit Platform and no build tool: what the test guest runs
 * ({@code java -cp <the it module's test classpath> io.corral.it.vm.GuestTests CLASS...}), since
 * Maven there would have to rebuild the checkout. Prints one line per test (and each skip's
 * reason, each failure's stack trace), then a summary line {@code guest tests: N run, N
 * succeeded, N failed, N skipped} that {@link GuestKernelIT} reads, and exits 0 only when
 * every test ran and none failed.
 */
public final class GuestTests {
  private GuestTests() {}

  public static void main(String[] args) throws ClassNotFoundException {
    if (args.length == 0) {
      System.err.println("usage: GuestTests CLASS...");
      System.exit(2);
    }
    LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
    for (String name : args) {
      request.selectors(selectClass(Class.forName(name)));
    }
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

  /** One line per finished or skipped test, as it happens. */
  private static final class Progress implements TestExecutionListener {
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
    }

    private static String name(TestIdentifier test) {
      List<String> parts = Arrays.asList(test.getUniqueId().split("/"));
      return parts.stream().map(p -> p.replaceAll("^\\[[a-z-]+:(.*)\\]$", "$1"))
          .skip(1).reduce((a, b) -> a + "#" + b).orElse(test.getDisplayName());
    }
  }
}
