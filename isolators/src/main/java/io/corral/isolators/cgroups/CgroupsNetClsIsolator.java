package io.corral.isolators.cgroups;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.CgroupInfo;
import io.corral.proto.v1.ContainerStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code cgroups/net_cls}: the {@code net_cls} hierarchy (mounted by the agent when the host has
 * not). Without {@code --cgroups_net_cls_primary_handle} it only creates the container's cgroup
 * (operators manage {@code net_cls.classid}) and reports nothing. With a primary handle
 * {@code 0xAAAA}, prepare allocates the lowest free secondary handle {@code 0xBBBB} of the
 * configured range and writes {@code net_cls.classid = 0xAAAABBBB}; an exhausted range fails
 * that launch only. status reports the classid as {@code cgroup_info.net_cls.classid}; cleanup
 * frees the handle once the cgroup is gone; recover reserves the handles live containers hold
 * (a handle outside the range or held twice fails recovery). See {@link CgroupsIsolator} for the
 * lifecycle and threading.
 */
public final class CgroupsNetClsIsolator extends CgroupsIsolator {
  private final NetClsHandles handles;
  private final Map<String, Integer> secondaries = new ConcurrentHashMap<>();

  public CgroupsNetClsIsolator(Hierarchies hierarchies) {
    super(hierarchies, List.of("net_cls"));
    CgroupsConfig config = hierarchies.config();
    this.handles = config.netClsPrimary() == null ? null : new NetClsHandles(
        config.netClsPrimary(), config.netClsSecondaryLow(), config.netClsSecondaryHigh());
  }

  @Override
  public String name() {
    return "cgroups/net_cls";
  }

  @Override
  protected void prepared(ContainerContext container) {
    if (handles == null) {
      return;
    }
    int secondary;
    try {
      secondary = handles.allocate();
    } catch (IllegalStateException e) {
      throw new IsolatorException("Failed to allocate a net_cls handle: " + e.getMessage(), e);
    }
    secondaries.put(container.name(), secondary);
    controller(container).setClassid(NetClsController.classid(handles.primary(), secondary));
  }

  @Override
  protected void recovered(ContainerContext container) {
    if (handles == null) {
      return;
    }
    long classid = controller(container).classid();
    if (classid == 0) {
      return;
    }
    if ((classid >>> 16) != handles.primary()) {
      throw new IsolatorException("Failed to recover: container '" + container.name()
          + "' has net_cls classid " + CgroupsConfig.hex((int) classid)
          + " outside primary handle " + CgroupsConfig.hex(handles.primary()));
    }
    int secondary = (int) (classid & 0xffff);
    try {
      handles.reserve(secondary);
    } catch (IllegalStateException e) {
      throw new IsolatorException("Failed to recover: container '" + container.name() + "': "
          + e.getMessage(), e);
    }
    secondaries.put(container.name(), secondary);
  }

  @Override
  public void status(ContainerContext container, ContainerStatus.Builder status) {
    Integer secondary = secondaries.get(container.name());
    if (secondary != null) {
      status.setCgroupInfo(CgroupInfo.newBuilder().setNetCls(CgroupInfo.NetCls.newBuilder()
          .setClassid((int) NetClsController.classid(handles.primary(), secondary))));
    }
  }

  @Override
  protected void released(ContainerContext container) {
    Integer secondary = secondaries.remove(container.name());
    if (secondary != null) {
      handles.free(secondary);
    }
  }

  /** How many secondary handles are held now (0 without a primary handle). */
  public int handlesInUse() {
    return handles == null ? 0 : handles.inUse();
  }

  private NetClsController controller(ContainerContext container) {
    Hierarchy netCls = hierarchy("net_cls");
    return new NetClsController(netCls.fs(), netCls.cgroup(container.name()));
  }
}
