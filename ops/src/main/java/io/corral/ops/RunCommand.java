package io.corral.ops;

import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.Image;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * command's status. With {@code --image=NAME} the container runs on the Docker image's root
 * filesystem ({@code filesystem/linux} and {@code docker/runtime} added to the isolation, the
 * image pulled into the store {@code corral pull} uses, its progress on stderr); without CMD the
 * image's Entrypoint and Cmd run. Unless {@code --cgroups_root} is given, its cgroups root is
 * {@code corral-run-<pid>}, removed at exit, so it never contends with an agent's root. Builds
 * the LAUNCH_CONTAINER request and the containerizer on the main thread;
 * {@link ForegroundRun} drives launch, wait, remove and the Ctrl-C path.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {"Runs CMD ARGS... in a container in the foreground and exits with its status.",
        "With --image=NAME, runs it (or the image's Entrypoint and Cmd) on the root filesystem of a Docker image."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "N:the command exited with status N",
        "128+S:the command was killed by signal S",
        "127:the container could not be launched (the message says why, e.g. a missing executable"
            + " or an image that could not be pulled)",
        "130:interrupted by SIGINT or SIGTERM; the container was destroyed",
        "1:a flag is invalid or a directory is not writable"})
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Mixin AgentFlags flags;

  @Mixin LauncherFlag launcher;
  @Mixin ProcessTableFlag processTable;

  @Mixin ImageFlags images;
  @Mixin LoggingFlags logging;

  @Spec CommandSpec spec;

  @Option(names = "--container_id", paramLabel = "ID",
      description = "Id of the container. Default: run-<random>.")
  String containerId;

  @Option(names = "--cpus", paramLabel = "CPUS", description = "The cpus resource. Default: none.")
  Double cpus;

  @Option(names = "--mem", paramLabel = "MB", description = "The mem resource, in MB. Default: none.")
  Double mem;

  @Option(names = "--image", paramLabel = "NAME",
      description = "Runs the container on the root filesystem of this Docker image"
          + " ([REGISTRY/]REPOSITORY[:TAG|@DIGEST]), pulled into the store 'corral pull' uses;"
          + " implies --image_providers=docker and adds filesystem/linux and docker/runtime to the"
          + " isolation. Without CMD the image's Entrypoint and Cmd run. Default: none.")
  String image;

  @Parameters(arity = "0..*", paramLabel = "CMD",
      description = "The command and its arguments (no shell); optional with --image.")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() throws IOException, InterruptedException {
    AgentFlags.LoggingLevel level = loggingLevel();
    Logs.configure(level, logging);
    if (command.isEmpty() && image == null) {
      throw new StartupException("Missing required parameter: 'CMD' (it may be left out only with --image)");
    }
    boolean root = Host.isRoot();
    LauncherFlag.Kind kind = launcher.resolve(root);
    flags.resolve(root, launcher.defaultIsolation(root), launcher.defaultIsolationReason(root));
    // Its own cgroups root unless given, so that it never contends with an agent's lock.
    boolean ownCgroupsRoot = !spec.commandLine().getParseResult().hasMatchedOption("--cgroups_root");
    if (ownCgroupsRoot) {
      flags.cgroupsRoot = "corral-run-" + ProcessHandle.current().pid();
    }
    List<String> isolators = Wiring.isolation(withImageIsolators(flags.isolation()));
    ImageFlags.Images imageSettings = image == null ? null : images.resolveForCommandLine(root, isolators, kind);
    flags.processTable(processTable.resolve(isolators));
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
          Systems.start(Containerizer.create(settings(isolators, kind, imageSettings)), level);
      return new ForegroundRun(system, request, cleanup).destroyOnShutdown().run();
    } finally {
      cleanup.run();
    }
  }

  /**
   * The level of {@code corral run}'s own logs: WARNING, so that its output is the command's
   * (as {@code crun run}), unless {@code --logging_level} is given on the command line or in the
   * environment.
   */
  private AgentFlags.LoggingLevel loggingLevel() {
    boolean given = spec.commandLine().getParseResult().hasMatchedOption("--logging_level")
        || FlagSources.inEnvironment(System.getenv(), "logging_level");
    return given ? flags.loggingLevel() : AgentFlags.LoggingLevel.WARNING;
  }

  /**
   * The isolation with {@code filesystem/linux} and {@code docker/runtime} when an image is run;
   * a default isolation's {@code filesystem/posix} gives way to {@code filesystem/linux}, a given
   * one is kept (and refused next to {@code filesystem/linux}).
   */
  private String withImageIsolators(String isolation) {
    if (image == null) {
      return isolation;
    }
    boolean given = spec.commandLine().getParseResult().hasMatchedOption("--isolation");
    List<String> names = new ArrayList<>();
    for (String name : isolation.split(",")) {
      if (!name.isBlank() && !(name.trim().equals("filesystem/posix") && !given)) {
        names.add(name.trim());
      }
    }
    for (String needed : List.of("filesystem/linux", "docker/runtime")) {
      if (!names.contains(needed)) {
        names.add(needed);
      }
    }
    return String.join(",", names);
  }

  /** The containerizer, with a provisioner that shows the pull on stderr when an image is run. */
  private ContainerizerSettings settings(List<String> isolators, LauncherFlag.Kind kind, ImageFlags.Images imgs) {
    if (imgs == null) {
      return Wiring.containerizer(flags, isolators, kind);
    }
    PullProgress progress = PullProgress.to(System.err, 2);
    return Wiring.containerizer(flags, isolators, kind, imgs.mounts()).withProvisioner(Wiring.provisioner(imgs,
        flags.runtimeDir(), flags.workDir().resolve("provisioner").resolve("containers"), progress));
  }

  /**
   * The LAUNCH_CONTAINER request for the command line: shell=false, argv as given; with
   * {@code --image} the image, and no value when there is no CMD (docker/runtime then runs the
   * image's Entrypoint and Cmd).
   */
  Call.LaunchContainer launchRequest() {
    String id = containerId != null ? containerId : "run-" + UUID.randomUUID();
    CommandInfo.Builder cmd = CommandInfo.newBuilder().setShell(false);
    if (!command.isEmpty()) {
      cmd.setValue(command.get(0)).addAllArguments(command);
    }
    Call.LaunchContainer.Builder launch = Call.LaunchContainer.newBuilder()
        .setContainerId(ContainerID.newBuilder().setValue(id))
        .setCommand(cmd);
    if (image != null) {
      launch.setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
          .setMesos(ContainerInfo.MesosInfo.newBuilder().setImage(Image.newBuilder()
              .setType(Image.Type.DOCKER).setDocker(Image.Docker.newBuilder().setName(image)))));
    }
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
