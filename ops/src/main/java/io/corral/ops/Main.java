package io.corral.ops;

import io.corral.isolators.IsolatorCatalog;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code corral} command: {@code corral agent}, {@code corral run}, {@code corral pull}, and the clients of a
 * running agent {@code corral ps}, {@code kill}, {@code rm}, {@code wait} and {@code logs}. Wiring only: picocli
 * parses the flags into the subcommands, which do their work on the main thread. A
 * {@link StartupException} (bad flag value, unwritable directory, port in use) is printed to
 * stderr as one line and exits 1; a usage error prints the usage too.
 */
@Command(
    name = "corral",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    subcommands = {AgentCommand.class, RunCommand.class, PullCommand.class, ClientCommands.Ps.class,
        ClientCommands.Kill.class, ClientCommands.Rm.class, ClientCommands.Wait.class,
        LogsCommand.class},
    description = "A Linux containerizer with the flags, semantics and agent API of the Mesos containerizer.")
public final class Main implements Callable<Integer> {
  /** Initialises Logback before any actor system logs from its threads (versions.md gotcha 11). */
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /**
   * Runs the command line and returns the exit status, without exiting: flags from the
   * environment and {@code file://} values as {@link FlagSources} says.
   */
  public static int execute(String... args) {
    CommandLine cli = commandLine();
    String[] expanded;
    try {
      expanded = FlagSources.expandFileValues(cli, args);
    } catch (StartupException e) {
      cli.getErr().println(e.getMessage());
      cli.getErr().flush();
      return 1;
    }
    return cli.execute(expanded);
  }

  /** The configured command line, for {@link #execute} and for tests of parsing and help. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setParameterExceptionHandler((e, args) -> {
      PrintWriter err = e.getCommandLine().getErr();
      if (e.getCause() instanceof StartupException startup) { // a flag from the environment
        err.println(startup.getMessage());
        err.flush();
        return 1;
      }
      err.println(e.getMessage());
      e.getCommandLine().usage(err);
      return 1; // as Mesos does for a bad flag
    });
    // `corral run sh -c 'x'`: everything from CMD on is the command's, even without `--`.
    cli.getSubcommands().get("run").setStopAtPositional(true);
    for (String name : new String[] {"agent", "run"}) {
      List<String> footer = new ArrayList<>(
          IsolatorCatalog.helpLines().stream().map(l -> "  " + l).toList());
      footer.add("%nEnvironment:");
      footer.addAll(List.of(FlagSources.helpLines()));
      cli.getSubcommands().get(name).getCommandSpec().usageMessage()
          .footerHeading("%nIsolators for --isolation (Mesos' names, in the order they run):%n")
          .footer(footer.toArray(String[]::new));
    }
    cli.setDefaultValueProvider(new FlagSources(System.getenv()));
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof StartupException) {
        PrintWriter err = cmd.getErr();
        err.println(e.getMessage());
        err.flush();
        LOG.debug("Startup failed", e);
        return 1;
      }
      throw e;
    });
    return cli;
  }

  /** {@code corral} alone: prints the usage to stderr and fails. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 1;
  }
}
