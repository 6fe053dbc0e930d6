package io.corral.ops;

import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.http.security.HttpSecurity;
import io.corral.http.security.Tls;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code corral agent}: starts the containerizer and serves the Mesos v1 agent API on
 * {@code --ip:--port} until SIGTERM or SIGINT. It first recovers the containers an earlier run
 * left ({@code --recover}); the API answers 503 until that is done. On SIGTERM or SIGINT it
 * unbinds and stops the actor system, and exits 0, leaving its containers running for the next
 * agent to recover, as a Mesos agent does. The
 * main thread waits for the system; a JVM shutdown hook does the stopping.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs the agent: the Mesos v1 agent API for standalone containers at POST /api/v1.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:stopped by SIGTERM or SIGINT", "1:a flag is invalid, a directory is not writable or the port is taken"})
final class AgentCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(AgentCommand.class);
  private static final Duration BIND_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  @Mixin AgentFlags.Http http;
  @Mixin AgentFlags flags;
  @Mixin SecurityFlags security;
  @Mixin LauncherFlag launcher;
  @Mixin ProcessTableFlag processTable;
  @Mixin ImageFlags images;
  @Mixin CniFlags cni;
  @Mixin FetcherFlags fetcher;
  @Mixin ContainerLoggerFlags logger;
  @Mixin LoggingFlags logging;

  @Override
  public Integer call() throws InterruptedException {
    Logs.configure(flags.loggingLevel(), logging);
    boolean root = Host.isRoot();
    LauncherFlag.Kind kind = launcher.resolve(root);
    flags.resolve(root, launcher.defaultIsolation(root), launcher.defaultIsolationReason(root));
    if (flags.workDir() == null) {
      throw new StartupException("Flag 'work_dir' is required, but it was not provided");
    }
    List<String> isolators = Wiring.isolation(flags.isolation());
    ImageFlags.Images imageSettings = images.resolve(flags.workDir(), isolators, kind);
    flags.processTable(processTable.resolve(isolators));
    Directories.ensureWritable("work", flags.workDir());
    Directories.ensurePrivate("runtime", flags.runtimeDir());
    flags.cni(cni.resolve(flags.workDir(), flags.runtimeDir(), isolators));
    HttpSecurity httpSecurity = security.resolve(root, flags.workDir(), http.ip());
    Optional<Tls> tls = security.tls(System.getenv());

    Containerizer.RecoverMode recover = http.recover();
    CompletableFuture<Integer> recovered = new CompletableFuture<>();
    PrometheusMeterRegistry registry = Wiring.meterRegistry();
    ContainerizerSettings settings = Wiring.containerizer(flags, isolators, kind, imageSettings.mounts())
        .withMeterRegistry(registry).withFetcher(fetcher.start(flags.workDir()));
    Optional<io.corral.posix.launch.LogRotation> rotation = logger.resolve(kind);
    if (rotation.isPresent()) {
      settings = settings.withLogRotation(rotation.get());
    }
    if (imageSettings.enabled()) {
      settings = settings.withProvisioner(Wiring.provisioner(imageSettings, flags, registry));
    }
    ActorSystem<Containerizer.Command> system = Systems.start(Containerizer.create(settings, recover, recovered),
        flags.loggingLevel());
    ServerBinding binding = bind(system, recovered::isDone, registry, httpSecurity, tls);
    LOG.info("Agent listening on {}://{}:{} (pid {}) with isolation '{}' and launcher '{}'",
        tls.isPresent() ? "https" : "http", http.ip(), binding.localAddress().getPort(),
        ProcessHandle.current().pid(), flags.isolation(), kind.value());

    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
      LOG.info("Stopping the agent");
      binding.unbind().toCompletableFuture().completeOnTimeout(null, STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
      boolean clean = Systems.stop(system, STOP_TIMEOUT);
      LOG.info("Agent stopped");
      Runtime.getRuntime().halt(clean ? 0 : 1);
    }, "corral-agent-shutdown"));

    system.getWhenTerminated().toCompletableFuture().join();
    if (!stopping.get()) {
      LOG.error("The containerizer stopped unexpectedly; the agent exits");
      return 1;
    }
    return 0;
  }

  private ServerBinding bind(ActorSystem<Containerizer.Command> system, BooleanSupplier ready,
      PrometheusMeterRegistry registry, HttpSecurity httpSecurity, Optional<Tls> tls)
      throws InterruptedException {
    String where = http.ip() + ":" + http.port();
    try {
      return Wiring.bind(system, http,
              FlagValues.render(http, flags, security, launcher, processTable, images, cni, fetcher, logger, logging), ready,
              registry, httpSecurity, tls, new Wiring.Agent(flags, logging),
              new Logs.Levels(flags.loggingLevel()))
          .toCompletableFuture()
          .get(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException | StartupException | IllegalArgumentException e) {
      Systems.stop(system, STOP_TIMEOUT);
      Throwable cause = e instanceof ExecutionException ? rootCause(e) : e;
      throw new StartupException("Failed to bind to '" + where + "': " + cause.getMessage(), e);
    }
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }
}
