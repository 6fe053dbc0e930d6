package io.corral.ops;

import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.http.AgentInfo;
import io.corral.http.AgentRoutes;
import io.corral.http.AgentServer;
import io.corral.http.HttpSettings;
import io.corral.isolators.IsolationFlag;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorRegistry;
import io.corral.posix.Linux;
import io.corral.posix.launch.CorralInit;
import io.corral.posix.launch.PidNamespaceLauncher;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The composition root: the one place that names the concrete pieces of the other modules (the
 * native kernel facade, the launch helper, the isolator registry, the HTTP routes) and puts them
 * together from the flags. Called once, from the main thread, before the actor system starts.
 */
final class Wiring {
  private Wiring() {}

  /** The isolation used when {@code --isolation} is not given, for this host. */
  static String hostDefaultIsolation(boolean root) {
    return IsolationFlag.hostDefault(root);
  }

  /**
   * The isolator names of an {@code --isolation} value, in Mesos' fixed order.
   *
   * @throws StartupException with the parser's message when the value is invalid
   */
  static List<String> isolation(String flag) {
    try {
      return IsolationFlag.parse(flag);
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  /**
   * Builds the containerizer for resolved flags: the real kernel, {@code corral-init} extracted
   * to {@code --launcher_dir}, and the isolators {@code names} in their fixed order.
   *
   * @throws StartupException when an isolator or the launch helper cannot be set up
   */
  static ContainerizerSettings containerizer(AgentFlags flags, List<String> names) {
    Linux linux = Linux.nativeDefault();
    List<Isolator> isolators;
    try {
      isolators = IsolatorRegistry.create(names, linux, flags.isolatorOptions());
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
    Path helper;
    try {
      helper = CorralInit.install(flags.launcherDir());
    } catch (UncheckedIOException e) {
      throw new StartupException(e.getMessage() + ": " + Directories.describe(e.getCause()), e);
    }
    return new ContainerizerSettings(
        flags.workDir(),
        flags.runtimeDir(),
        isolators,
        new PidNamespaceLauncher(helper, linux.processes(), linux.proc()),
        linux,
        flags.containerLaunchTimeout());
  }

  /** Binds the agent API on {@code ip:port}, answering for {@code system}'s containerizer. */
  static CompletionStage<ServerBinding> bind(
      ActorSystem<Containerizer.Command> system, AgentFlags.Http http, Map<String, String> flags) {
    AgentInfo info = new AgentInfo(
        AgentInfo.MESOS_VERSION,
        Version.get(),
        Version.buildDate(),
        Version.buildTime(),
        Version.buildUser(),
        ProcessHandle.current().info().startInstant().orElse(Instant.now()),
        "slave(1)@" + http.ip() + ":" + http.port(),
        Host.hostname(),
        UUID.randomUUID() + "-S0",
        flags.entrySet().stream().map(f -> new AgentInfo.Flag(f.getKey(), f.getValue())).toList());
    HttpSettings settings = HttpSettings.fromConfig(system.settings().config());
    AgentRoutes routes = new AgentRoutes(system, system, info, settings, () -> true);
    return AgentServer.bind(system, http.ip(), http.port(), routes, settings);
  }
}
