package io.corral.isolators.network.cni;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.network.cni.CniCalls.Attachment;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.NetworkInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos' {@code network/cni}: a container that names networks in
 * {@code ContainerInfo.network_infos[].name} gets a network namespace of its own (and a UTS
 * namespace with its hostname: {@code ContainerInfo.hostname}, else its id), joined to each
 * network by the network's CNI plugins as interface {@code eth0}, {@code eth1}, ... in request
 * order; its {@code lo} is brought up, and its {@code /etc/hosts}, {@code /etc/hostname} and
 * {@code /etc/resolv.conf} are its own ({@link NetworkFiles}). A container without named networks
 * shares the host's network (an image container then sees the host's /etc files, read-only).
 *
 * <p>prepare checkpoints the networks' configurations (so that DEL works after the file is gone);
 * isolate binds {@code /proc/<pid>/ns/net} under the root dir, which keeps the namespace until
 * cleanup, and runs ADD for each network in order; status reports the addresses the plugins
 * returned; cleanup runs DEL for every network (also after a failed ADD; retried, and a container
 * whose DEL still fails is kept and retried at the next cleanup of any container and at the next
 * recovery), then unmounts and deletes. recover re-adopts the state of running containers
 * (running CHECK where the network's version has it) and DELs what is left of containers that are
 * gone. See {@link Networks} for the refusals at LAUNCH.
 *
 * <p>Threading: per the {@link Isolator} contract; state in concurrent maps.
 */
public final class CniIsolator implements Isolator {
  private static final Logger LOG = LoggerFactory.getLogger(CniIsolator.class);
  private static final int DEL_ATTEMPTS = 3;

  private final CniConfig config;
  private final Networks networks;
  private final CniCalls calls;
  private final PluginRunner runner;
  private final Map<String, ContainerNetworks> containers = new ConcurrentHashMap<>();
  private final Map<String, ContainerNetworks> pendingDel = new ConcurrentHashMap<>();

  public CniIsolator(CniConfig config) {
    this.config = config;
    PluginPath path = new PluginPath(config.pluginsDirs());
    this.networks = new Networks(config.configDir().map(dir -> new NetworkConfigs(dir, path)));
    this.runner = new PluginRunner(config.pluginTimeout());
    this.calls = new CniCalls(path, runner);
  }

  @Override
  public String name() {
    return "network/cni";
  }

  @Override
  public Set<String> honours() {
    return Set.of("container.network_infos", "container.hostname");
  }

  @Override
  public Optional<String> invalid(ContainerInfo container, CommandInfo command) {
    return networks.invalid(Optional.empty(), container);
  }

  @Override
  public Optional<String> invalid(ContainerID id, ContainerInfo container, CommandInfo command) {
    return networks.invalid(Optional.of(id.getValue()), container);
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    ContainerInfo info = container.launch().getContainer();
    Optional<String> rootfs = container.rootfs().map(r -> Path.of(r.getRootfs()).normalize().toString());
    List<Attachment> attachments = networks.attachments(container.name(), info);
    if (attachments.isEmpty()) {
      return rootfs.isEmpty() ? LaunchPlan.getDefaultInstance() : LaunchPlan.newBuilder()
          .addCloneNamespaces(Namespace.MOUNT).addAllMounts(NetworkFiles.mounts(Path.of("/etc"), rootfs)).build();
    }
    ContainerNetworks c = new ContainerNetworks(container.name(), config.rootDir().resolve(container.name()), attachments);
    try {
      Files.createDirectories(c.dir);
      c.checkpoint();
      for (String name : NetworkFiles.FILES) {
        ContainerNetworks.write(c.file(name), "");
      }
    } catch (IOException e) {
      throw new IsolatorException("Failed to checkpoint the CNI networks of container '" + c.id + "': " + e, e);
    }
    containers.put(c.id, c);
    return LaunchPlan.newBuilder()
        .addCloneNamespaces(Namespace.NET).addCloneNamespaces(Namespace.UTS).addCloneNamespaces(Namespace.MOUNT)
        .setHostname(Networks.hostname(container.name(), info))
        .addAllMounts(NetworkFiles.mounts(c.dir, rootfs))
        .addEnvironment("LIBPROCESS_IP=0.0.0.0")
        .build();
  }

  @Override
  public void isolate(ContainerContext container, int pid) {
    ContainerNetworks c = containers.get(container.name());
    if (c == null) {
      return;
    }
    try {
      if (!Files.exists(c.ns())) {
        Files.createFile(c.ns());
      }
      config.mounts().bind(Path.of("/proc/" + pid + "/ns/net"), c.ns());
      loopbackUp(c);
      for (Attachment a : c.attachments) {
        CniResult result = calls.add(a, c.ns(), c.dir);
        LOG.info("Container [{}] joined CNI network '{}' as {} with addresses {}", c.id,
            a.network().name(), a.ifName(), result.addresses());
        c.added(a, result);
      }
      NetworkFiles.write(c, Networks.hostname(c.id, container.launch().getContainer()), config.dns());
    } catch (IOException e) {
      throw new IsolatorException("Failed to set up the CNI networks of container '" + c.id + "': " + e, e);
    }
  }

  /** {@code ip link set dev lo up} in the container's network namespace (as Mesos does). */
  private void loopbackUp(ContainerNetworks c) throws IOException {
    PluginRunner.Outcome outcome;
    try {
      outcome = runner.run(List.of("nsenter", "--net=" + c.ns(), "ip", "link", "set", "dev", "lo", "up"),
          Map.of(), new byte[0], c.dir);
    } catch (PluginRunner.TimedOut e) {
      throw new IsolatorException("Failed to bring up the loopback interface of container '" + c.id + "': " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IsolatorException("Failed to bring up the loopback interface of container '" + c.id + "': interrupted");
    }
    if (outcome.exitCode() != 0) {
      throw new IsolatorException("Failed to bring up the loopback interface of container '" + c.id
          + "': " + outcome.stderr());
    }
  }

  @Override
  public void status(ContainerContext container, ContainerStatus.Builder status) {
    ContainerNetworks c = containers.get(container.name());
    if (c == null) {
      return;
    }
    for (Attachment a : c.attachments) {
      NetworkInfo.Builder info = a.info().toBuilder().clearIpAddresses();
      CniResult result = c.results.get(a.network().name());
      if (result != null) {
        result.addresses().forEach(ip -> info.addIpAddresses(NetworkInfo.IPAddress.newBuilder()
            .setProtocol(ip.contains(":") ? NetworkInfo.IPAddress.Protocol.IPv6 : NetworkInfo.IPAddress.Protocol.IPv4)
            .setIpAddress(ip)));
      }
      status.addNetworkInfos(info);
    }
  }

  @Override
  public void cleanup(ContainerContext container) {
    retryPending(container.name());
    ContainerNetworks c = containers.remove(container.name());
    if (c == null) {
      c = Optional.ofNullable(pendingDel.get(container.name()))
          .or(() -> loadQuietly(container.name(), List.of())).orElse(null);
    }
    if (c != null) {
      release(c);
    }
  }

  @Override
  public void recover(List<ContainerContext> recovered) {
    if (!config.enabled() || !Files.isDirectory(config.rootDir())) {
      return;
    }
    Set<String> live = new java.util.HashSet<>();
    for (ContainerContext container : recovered) {
      live.add(container.name());
      loadQuietly(container.name(), container.launch().getContainer().getNetworkInfosList()).ifPresent(c -> {
        containers.put(c.id, c);
        check(c);
      });
    }
    try (Stream<Path> dirs = Files.list(config.rootDir())) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        String id = dir.getFileName().toString();
        if (!live.contains(id)) {
          LOG.info("Cleaning up the CNI networks of the orphan container [{}]", id);
          loadQuietly(id, List.of()).ifPresent(c -> {
            try {
              release(c);
            } catch (IsolatorException e) {
              LOG.error("{}", e.getMessage());
            }
          });
        }
      }
    } catch (IOException e) {
      throw new IsolatorException("Failed to list the CNI root dir '" + config.rootDir() + "': " + e, e);
    }
  }

  /** CHECK each network of a re-adopted container; a failure is logged (the container keeps running). */
  private void check(ContainerNetworks c) {
    if (!c.nsMounted()) {
      return;
    }
    for (Attachment a : c.attachments) {
      CniResult result = c.results.get(a.network().name());
      try {
        if (result != null && calls.check(a, c.ns(), result, c.dir)) {
          LOG.info("Container [{}] is still on CNI network '{}' (CHECK passed)", c.id, a.network().name());
        }
      } catch (IsolatorException e) {
        LOG.warn("{}", e.getMessage());
      }
    }
  }

  private Optional<ContainerNetworks> loadQuietly(String id, List<NetworkInfo> requested) {
    Path dir = config.rootDir().resolve(id);
    if (!config.enabled() || !Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try {
      return Optional.of(ContainerNetworks.load(id, dir, requested, networks.parser()));
    } catch (IOException | RuntimeException e) {
      throw new IsolatorException("Failed to read the CNI state of container '" + id + "' in '" + dir + "': " + e, e);
    }
  }

  /** DEL every network (each retried), then unmount and delete; kept for a retry when a DEL fails. */
  private void release(ContainerNetworks c) {
    boolean mounted = c.nsMounted();
    List<String> errors = new ArrayList<>();
    for (Attachment a : c.attachments) {
      Optional<String> error = delWithRetries(c, a, mounted);
      error.ifPresent(errors::add);
    }
    if (!errors.isEmpty()) {
      pendingDel.put(c.id, c);
      throw new IsolatorException(String.join("; ", errors) + " (tried " + DEL_ATTEMPTS
          + " times; kept for another attempt)");
    }
    pendingDel.remove(c.id);
    try {
      if (mounted) {
        config.mounts().unmount(c.ns(), false);
      }
      io.corral.posix.MountSafeDelete.deleteRecursively(c.dir);
    } catch (IOException | RuntimeException e) {
      throw new IsolatorException("Failed to remove the CNI state of container '" + c.id + "': " + e, e);
    }
  }

  private Optional<String> delWithRetries(ContainerNetworks c, Attachment a, boolean mounted) {
    String last = null;
    for (int attempt = 1; attempt <= DEL_ATTEMPTS; attempt++) {
      try {
        calls.del(a, mounted ? Optional.of(c.ns()) : Optional.empty(),
            Optional.ofNullable(c.results.get(a.network().name())), c.dir);
        return Optional.empty();
      } catch (IsolatorException e) {
        last = e.getMessage();
        LOG.warn("Attempt {} of {}: {}", attempt, DEL_ATTEMPTS, last);
        pause(attempt);
      }
    }
    return Optional.of(last);
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(200L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Containers whose DEL failed earlier, but {@code except} (cleaned up next): one more try each. */
  private void retryPending(String except) {
    for (ContainerNetworks c : List.copyOf(pendingDel.values())) {
      if (c.id.equals(except)) {
        continue;
      }
      try {
        release(c);
        LOG.info("Released the CNI networks of container [{}] on a later attempt", c.id);
      } catch (IsolatorException e) {
        LOG.error("{}", e.getMessage());
      }
    }
  }
}
