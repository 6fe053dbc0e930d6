package io.corral.images;

import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Image;
import io.corral.proto.v1.ProvisionedRootfs;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Mesos' provisioner: makes the root filesystem of a container launched from an image (the
 * PROVISIONING phase) and removes it once every isolator has cleaned up. The containerizer calls
 * {@link #provision} from its actor thread (it must not block: the work runs elsewhere) and the
 * other methods on the blocking dispatcher.
 */
public interface Provisioner {

  /**
   * Why {@code image} cannot be provisioned whatever the registry says (an unsupported type, a
   * malformed name), or empty: checked at LAUNCH before anything is created. Pure, any thread.
   */
  Optional<String> invalid(Image image);

  /**
   * Pulls {@code image} if needed and makes {@code id}'s root filesystem from it. Fails with an
   * exception whose message says why ({@code Failed to pull image 'busybox': ...}); what was made
   * for {@code id} is then removed by {@link #destroy}, which the containerizer always calls.
   */
  CompletionStage<ProvisionedRootfs> provision(ContainerID id, Image image);

  /**
   * Removes everything made for {@code id} (mounts, writable layer, root filesystem); idempotent,
   * also for a container never provisioned, and safe while its {@link #provision} is still in
   * flight (that one then fails and leaves nothing).
   */
  void destroy(ContainerID id) throws IOException;

  /**
   * Removes every stored image (and every layer only such images use) that no provisioned
   * container uses and {@code excluded} does not name (Mesos' PRUNE_IMAGES); blocks, so the
   * caller runs it off the actor threads. Never removes what a container being provisioned needs.
   */
  void prune(List<Image> excluded) throws IOException;

  /** After an agent restart: keeps the root filesystems of {@code live}, removes every other. */
  void recover(Set<ContainerID> live) throws IOException;
}
