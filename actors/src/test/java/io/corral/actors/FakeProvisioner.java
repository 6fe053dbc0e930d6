package io.corral.actors;

import io.corral.images.Provisioner;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Image;
import io.corral.proto.v1.ProvisionedRootfs;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A provisioner double for the containerizer's policy: each provisioning is a future the test
 * completes (or fails), and every call is recorded in the shared, ordered event list. The real
 * provisioner has its own real-kernel tests in {@code images} and {@code it}.
 */
public final class FakeProvisioner implements Provisioner {
  private final List<String> events;
  private final Map<String, CompletableFuture<ProvisionedRootfs>> pending = new ConcurrentHashMap<>();
  /** When set, {@link #invalid} refuses every image with it. */
  public volatile String refusal;

  public FakeProvisioner(List<String> events) {
    this.events = events;
  }

  @Override
  public Optional<String> invalid(Image image) {
    return Optional.ofNullable(refusal);
  }

  @Override
  public CompletionStage<ProvisionedRootfs> provision(ContainerID id, Image image) {
    events.add("provision " + image.getDocker().getName() + " " + id.getValue());
    return future(id.getValue());
  }

  @Override
  public void destroy(ContainerID id) {
    events.add("deprovision " + id.getValue());
  }

  @Override
  public void prune(List<Image> excluded) {
    events.add("prune " + excluded.stream().map(i -> i.getDocker().getName()).toList());
  }

  @Override
  public void recover(Set<ContainerID> live) {
    events.add("recover provisioner " + live.stream().map(ContainerID::getValue).sorted().toList());
  }

  /** Completes container {@code id}'s provisioning with a root filesystem at {@code rootfs}. */
  public void complete(String id, String rootfs) {
    future(id).complete(ProvisionedRootfs.newBuilder().setRootfs(rootfs).setBackend("copy")
        .setImageReference("registry.test/library/busybox:latest").build());
  }

  /** Fails container {@code id}'s provisioning with {@code message}. */
  public void fail(String id, String message) {
    future(id).completeExceptionally(new IllegalStateException(message));
  }

  private CompletableFuture<ProvisionedRootfs> future(String id) {
    return pending.computeIfAbsent(id, k -> new CompletableFuture<>());
  }
}
