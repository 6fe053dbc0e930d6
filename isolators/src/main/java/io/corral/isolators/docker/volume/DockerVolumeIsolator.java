package io.corral.isolators.docker.volume;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.UnsupportedFields;
import io.corral.isolators.filesystem.MountTable;
import io.corral.isolators.volume.VolumeMounts;
import io.corral.isolators.volume.VolumePlanner;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.DockerVolumeMounts;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code docker/volume} (Mesos' {@code DockerVolumeIsolatorProcess}): the volumes whose
 * {@code source.type} is {@code DOCKER_VOLUME} are created and mounted by their Docker volume
 * plugin ({@code driver}), spoken to directly over its socket ({@link VolumeDriverClient}) rather
 * than through {@code dvdcli}, and the host path the plugin returns is bound onto the volume's
 * target ({@link VolumePlanner}, {@link VolumeMounts}: in the image's rootfs when there is one,
 * {@code RO} really read-only), in a mount namespace of the container's own.
 *
 * <p>Reference counting is the plugin's, as the Docker protocol defines it: each container's
 * use of a volume is one {@code Mount} with an {@code ID} of its own and, at cleanup, one
 * {@code Unmount} with that {@code ID}. Every entry is checkpointed ({@link MountLedger}) before
 * its {@code Mount} is sent and removed only after its {@code Unmount} succeeded, so a restarted
 * agent unmounts exactly what may be mounted; a call repeated after a crash carries the same
 * {@code ID}, which a plugin counting by {@code ID} does not count twice. Calls for one volume
 * are serialized (as Mesos does per driver and name), and a container's cleanup waits for a
 * prepare of it that was abandoned but still runs, which stops before its next Mount.
 *
 * <p>{@link #cleanup} unmounts every entry of the container, forgets each one that succeeded (and
 * one whose {@code Mount} the plugin refused), and fails naming the others, which the caller
 * retries; the checkpoint stays until all are gone. {@link #recover} leaves the containers that
 * are still known to their cleanup and unmounts the volumes of every other container of the
 * checkpoint directory on a thread of its own, so a plugin that is gone cannot hold up recovery;
 * what fails there is logged and kept for the next start. State lives only on disk; calls for
 * different containers run in parallel on the caller's threads.
 */
public final class DockerVolumeIsolator implements Isolator {
  private static final Logger LOG = LoggerFactory.getLogger(DockerVolumeIsolator.class);
  static final String NAME = "docker/volume";

  private final String sandboxDirectory;
  private final MountLedger ledger;
  private final PluginDiscovery discovery;
  private final VolumeDriverClient client;
  private final MountTable hostMounts;
  /** One lock per container between its prepare and its cleanup. */
  private final Map<String, ReentrantLock> containers = new ConcurrentHashMap<>();
  /** The containers whose cleanup has begun: a prepare still running for one stops. */
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> orphanCleanup = new CompletableFuture<>();
  private final ReentrantLock[] stripes = new ReentrantLock[64];

  /**
   * @param sandboxDirectory {@code --sandbox_directory}, as given to {@code filesystem/linux}
   * @param config the {@code docker/volume} flags; the checkpoint directory is created (0700)
   */
  public DockerVolumeIsolator(String sandboxDirectory, DockerVolumeConfig config) {
    this(sandboxDirectory, config, MountTable.SELF);
  }

  DockerVolumeIsolator(String sandboxDirectory, DockerVolumeConfig config, MountTable hostMounts) {
    try {
      Files.createDirectories(config.checkpointDir(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new IllegalArgumentException("Failed to create isolator 'docker/volume': cannot create"
          + " --docker_volume_checkpoint_dir '" + config.checkpointDir() + "': " + e, e);
    }
    this.sandboxDirectory = sandboxDirectory;
    this.ledger = new MountLedger(config.checkpointDir());
    this.discovery = new PluginDiscovery(config.pluginDirs());
    this.client = new VolumeDriverClient(discovery, config.pluginTimeout());
    this.hostMounts = hostMounts;
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> honours() {
    return Set.of(UnsupportedFields.DOCKER_VOLUME);
  }

  @Override
  public Optional<String> invalid(ContainerInfo container, CommandInfo command) {
    return DockerVolumeRequests.invalid(container, discovery);
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    List<VolumePlanner.Planned> planned = VolumePlanner.mine(container, sandboxDirectory, NAME);
    if (planned.isEmpty()) {
      return LaunchPlan.getDefaultInstance();
    }
    ReentrantLock lock = containers.computeIfAbsent(container.name(), id -> new ReentrantLock());
    lock.lock();
    try {
      return prepare(container, planned);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Prepares under the container's lock, which a cleanup that runs beside an abandoned prepare
   * waits for: it first marks the container cancelled, so this prepare stops before its next Mount.
   */
  private LaunchPlan prepare(ContainerContext container, List<VolumePlanner.Planned> planned) {
    DockerVolumeRequests.invalid(container.launch().getContainer(), discovery).ifPresent(why -> {
      throw new IsolatorException("Failed to prepare: " + why);
    });
    DockerVolumeMounts.Builder mounts = DockerVolumeMounts.newBuilder();
    for (VolumePlanner.Planned p : planned) {
      Volume.Source.DockerVolume docker = p.volume().getSource().getDockerVolume();
      mounts.addEntries(DockerVolumeMounts.Entry.newBuilder().setDriver(docker.getDriver())
          .setName(docker.getName()).setMountId(container.name() + "." + UUID.randomUUID()));
    }
    // Every entry is on disk before its Mount is sent: a crash from here on leaves nothing unknown.
    checkpoint(container.name(), mounts.build());
    Map<Volume, Path> mountpoints = new HashMap<>();
    for (int i = 0; i < planned.size(); i++) {
      Path mountpoint = mount(container.name(), mounts, i, planned.get(i).volume());
      mountpoints.put(planned.get(i).volume(), mountpoint);
    }
    return VolumeMounts.prepare(planned, mountpoints::get, dir -> { }, hostMounts);
  }

  /** Creates and mounts entry {@code i}, checkpointing its mountpoint; the mountpoint. */
  private Path mount(String container, DockerVolumeMounts.Builder mounts, int i, Volume volume) {
    if (cancelled.contains(container)) {
      throw new IsolatorException("Failed to prepare: container '" + container + "' is being destroyed");
    }
    DockerVolumeMounts.Entry entry = mounts.getEntries(i);
    Map<String, String> options = new LinkedHashMap<>();
    volume.getSource().getDockerVolume().getDriverOptions().getParameterList()
        .forEach(p -> options.put(p.getKey(), p.getValue()));
    String mountpoint;
    ReentrantLock lock = lock(entry);
    lock.lock();
    try {
      client.create(entry.getDriver(), entry.getName(), options);
      mountpoint = client.mount(entry.getDriver(), entry.getName(), entry.getMountId());
    } catch (IOException e) {
      throw new IsolatorException("Failed to mount docker volume '" + entry.getName() + "' with driver '"
          + entry.getDriver() + "': " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
    mounts.setEntries(i, entry.toBuilder().setMounted(true).setMountpoint(mountpoint));
    checkpoint(container, mounts.build());
    Path path = Path.of(mountpoint);
    if (!path.isAbsolute() || !Files.isDirectory(path)) {
      throw new IsolatorException("Failed to mount docker volume '" + entry.getName() + "' with driver '"
          + entry.getDriver() + "': the plugin's mountpoint '" + mountpoint + "' is not a directory");
    }
    return path;
  }

  @Override
  public void cleanup(ContainerContext container) {
    cancelled.add(container.name());
    ReentrantLock lock = containers.computeIfAbsent(container.name(), id -> new ReentrantLock());
    lock.lock();
    List<String> failures;
    try {
      failures = unmountAll(container.name());
    } finally {
      lock.unlock();
      // A retry marks it again; a later container of the same id must be able to prepare.
      containers.remove(container.name());
      cancelled.remove(container.name());
    }
    if (!failures.isEmpty()) {
      throw new IsolatorException("Failed to unmount docker volumes of container '" + container.name()
          + "': " + String.join("; ", failures));
    }
  }

  @Override
  public void recover(List<ContainerContext> recovered) {
    Set<String> known = recovered.stream().map(ContainerContext::name).collect(Collectors.toSet());
    Set<String> orphans;
    try {
      orphans = ledger.containers();
    } catch (IOException e) {
      throw new IsolatorException("Failed to list '" + ledger.dir() + "': " + e, e);
    }
    orphans.removeAll(known);
    if (orphans.isEmpty()) {
      orphanCleanup.complete(null);
      return;
    }
    Thread thread = new Thread(() -> {
      orphans.forEach(this::cleanupOrphan);
      orphanCleanup.complete(null);
    }, "corral-docker-volume-orphans");
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether the cleanup of container {@code id} has begun and not ended. */
  boolean cleaningUp(String id) {
    return cancelled.contains(id);
  }

  /** Completes when the orphans {@link #recover} found have been unmounted (or failed to be). */
  CompletableFuture<Void> orphanCleanup() {
    return orphanCleanup;
  }

  private void cleanupOrphan(String id) {
    LOG.info("Unmounting the docker volumes of unknown container '{}'", id);
    List<String> failures = unmountAll(id);
    if (!failures.isEmpty()) {
      LOG.error("Failed to unmount docker volumes of unknown container '{}' (tried again at the next"
          + " start): {}", id, String.join("; ", failures));
    }
  }

  /**
   * Unmounts every entry of container {@code id}, last first, forgetting each one done; the
   * checkpoint goes once none is left. The failures, each naming its volume.
   */
  private List<String> unmountAll(String id) {
    DockerVolumeMounts.Builder left;
    try {
      left = ledger.read(id).toBuilder();
    } catch (IOException e) {
      return List.of(e.getMessage());
    }
    List<String> failures = new java.util.ArrayList<>();
    for (int i = left.getEntriesCount() - 1; i >= 0; i--) {
      DockerVolumeMounts.Entry entry = left.getEntries(i);
      Optional<String> failed = unmount(entry);
      if (failed.isPresent()) {
        failures.add(failed.get());
        continue;
      }
      left.removeEntries(i);
      try {
        ledger.write(id, left.build());
      } catch (IOException e) {
        return List.of("Failed to checkpoint the docker volumes of container '" + id + "': " + e);
      }
    }
    if (failures.isEmpty()) {
      try {
        ledger.delete(id);
      } catch (IOException e) {
        failures.add("Failed to remove the checkpoint of container '" + id + "': " + e);
      }
    }
    return failures;
  }

  /** Unmounts one entry; why it failed, or empty when it is gone. */
  private Optional<String> unmount(DockerVolumeMounts.Entry entry) {
    ReentrantLock lock = lock(entry);
    lock.lock();
    try {
      client.unmount(entry.getDriver(), entry.getName(), entry.getMountId());
      return Optional.empty();
    } catch (VolumeDriverClient.PluginError e) {
      if (!entry.getMounted()) {
        // The plugin answered: a Mount whose outcome was unknown did not happen, or is undone.
        LOG.warn("Unmount of docker volume '{}' with driver '{}' (mount never confirmed): {}",
            entry.getName(), entry.getDriver(), e.getMessage());
        return Optional.empty();
      }
      return Optional.of(describe(entry) + ": " + e.getMessage());
    } catch (IOException e) {
      return Optional.of(describe(entry) + ": " + e.getMessage());
    } finally {
      lock.unlock();
    }
  }

  private static String describe(DockerVolumeMounts.Entry entry) {
    return "Failed to unmount docker volume '" + entry.getName() + "' with driver '" + entry.getDriver() + "'";
  }

  private void checkpoint(String container, DockerVolumeMounts mounts) {
    try {
      ledger.write(container, mounts);
    } catch (IOException e) {
      throw new IsolatorException("Failed to checkpoint the docker volumes of container '" + container
          + "': " + e, e);
    }
  }

  private ReentrantLock lock(DockerVolumeMounts.Entry entry) {
    return stripes[Math.floorMod((entry.getDriver() + "/" + entry.getName()).hashCode(), stripes.length)];
  }
}
