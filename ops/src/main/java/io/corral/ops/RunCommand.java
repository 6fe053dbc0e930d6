package io.corral.ops;

import io.corral.actors.Containerizer;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code corral run [flags] -- CMD ARGS...}: runs one container in the foreground with the
 * command's stdin from /dev/null and its stdout and stderr on the terminal, and exits with the
 * command's status. Unless {@code --cgroups_root} is given, its cgroups root is
 * {@code corral-run-<pid>}, removed at exit, so it never contends with an agent's root. Builds
 * the LAUNCH_CONTAINER request and the containerizer on the main thread;
 * {@link ForegroundRun} drives launch, wait, remove and the Ctrl-C path.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs CMD ARGS... in a container in the foreground and exits with its status.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "N:the command exited with status N",
        "128+S:the command was killed by signal S",
        "127:the container could not be launched (the message says why, e.g. a missing executable)",
        "130:interrupted by SIGINT or SIGTERM; the container was destroyed",
        "1:a flag is invalid or a directory is not writable"})
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Mixin AgentFlags flags;

  @Mixin LauncherFlag launcher;

  @Spec CommandSpec spec;

  @Option(names = "--container_id", paramLabel = "ID",
      description = "Id of the container. Default: run-<random>.")
  String containerId;

  @Option(names = "--cpus", paramLabel = "CPUS", description = "The cpus resource. Default: none.")
  Double cpus;

  @Option(names = "--mem", paramLabel = "MB", description = "The mem resource, in MB. Default: none.")
  Double mem;

  @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (no shell).")
  List<String> command;

  @Override
  public Integer call() throws IOException, InterruptedException {
    Systems.applyLoggingLevel(flags.loggingLevel());
    boolean root = Host.isRoot();
    LauncherFlag.Kind kind = launcher.resolve(root);
    flags.resolve(root, launcher.defaultIsolation(root), launcher.defaultIsolationReason(root));
    // Its own cgroups root unless given, so that it never contends with an agent's lock.
    boolean ownCgroupsRoot = !spec.commandLine().getParseResult().hasMatchedOption("--cgroups_root");
    if (ownCgroupsRoot) {
      flags.cgroupsRoot = "corral-run-" + ProcessHandle.current().pid();
    }
    List<String> isolators = Wiring.isolation(flags.isolation());
    Path temporaryWorkDir = null;
    if (flags.workDir() == null) {
      temporaryWorkDir = Files.createTempDirectory("corral-run-");
      flags.workDir(temporaryWorkDir);
    }
    Path workDirToDelete = temporaryWorkDir;
    Runnable cleanup = () -> {
      if (ownCgroupsRoot && root && kind == LauncherFlag.Kind.LINUX) {
        Wiring.removeCgroupsRoot(flags).forEach(LOG::warn);
      }
      deleteQuietly(workDirToDelete);
    };
    try {
      Directories.ensureWritable("work", flags.workDir());
      Directories.ensurePrivate("runtime", flags.runtimeDir());
      Call.LaunchContainer request = launchRequest();
      ActorSystem<Containerizer.Command> system =
          Systems.start(Containerizer.create(Wiring.containerizer(flags, isolators, kind)), flags.loggingLevel());
      return new ForegroundRun(system, request, cleanup).destroyOnShutdown().run();
    } finally {
      cleanup.run();
    }
  }

  /** The LAUNCH_CONTAINER request for the command line: shell=false, argv as given. */
  Call.LaunchContainer launchRequest() {
    String id = containerId != null ? containerId : "run-" + UUID.randomUUID();
    Call.LaunchContainer.Builder launch = Call.LaunchContainer.newBuilder()
        .setContainerId(ContainerID.newBuilder().setValue(id))
        .setCommand(CommandInfo.newBuilder()
            .setShell(false)
            .setValue(command.get(0))
            .addAllArguments(command));
    if (cpus != null) {
      launch.addResources(scalar("cpus", cpus));
    }
    if (mem != null) {
      launch.addResources(scalar("mem", mem));
    }
    return launch.build();
  }

  private static Resource scalar(String name, double value) {
    return Resource.newBuilder()
        .setName(name)
        .setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value))
        .build();
  }

  static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try {
      List<Path> kept = Directories.deleteRecursively(dir);
      if (!kept.isEmpty()) {
        LOG.warn("Failed to remove work directory '{}' completely: left mount points {} in place", dir, kept);
      }
    } catch (IOException e) {
      LOG.warn("Failed to remove work directory '{}': {}", dir, Directories.describe(e));
    }
  }
}
