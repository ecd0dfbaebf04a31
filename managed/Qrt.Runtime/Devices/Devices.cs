using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

/// <summary>Enumerates backends and devices, and sets the CPU backend's thread count.</summary>
public static class Devices
{
    /// <summary>Whether a backend is compiled in, how many devices it has, and why.</summary>
    public static unsafe BackendInfo GetBackendInfo(Backend backend)
    {
        QrtNativeLibrary.EnsureLoaded();
        qrt_backend_info info;
        NativeStatus.Check(QrtNative.qrt_backend_get_info((qrt_backend)backend, &info));
        var detail = NativeStatus.FromFixedBuffer(info.detail, (int)qrt_constants.QRT_BACKEND_DETAIL_CAPACITY);
        return new BackendInfo(backend, info.compiled != 0, info.device_count, detail);
    }

    /// <summary>Number of usable devices of a backend (1 for the CPU).</summary>
    public static unsafe int Count(Backend backend)
    {
        QrtNativeLibrary.EnsureLoaded();
        int count;
        NativeStatus.Check(QrtNative.qrt_device_count((qrt_backend)backend, &count));
        return count;
    }

    /// <summary>Properties of a device; throws <see cref="QrtException"/> if it does not exist.</summary>
    public static unsafe DeviceInfo GetInfo(Device device)
    {
        QrtNativeLibrary.EnsureLoaded();
        qrt_device_info info;
        NativeStatus.Check(QrtNative.qrt_device_get_info(device.ToNative(), &info));
        var name = NativeStatus.FromFixedBuffer(info.name, (int)qrt_constants.QRT_DEVICE_NAME_CAPACITY);
        var capability = device.Backend == Backend.Cuda
            ? new Version(info.compute_capability_major, info.compute_capability_minor)
            : null;
        return new DeviceInfo(device, name, capability, info.multiprocessor_count, info.total_memory_bytes, info.free_memory_bytes);
    }

    /// <summary>Every usable device, the CPU first.</summary>
    public static IReadOnlyList<Device> All()
    {
        var devices = new List<Device> { Device.Cpu };
        for (var i = 0; i < Count(Backend.Cuda); i++)
        {
            devices.Add(Device.Cuda(i));
        }

        return devices;
    }

    /// <summary>Threads the CPU backend uses; set 0 for one per hardware thread.</summary>
    public static unsafe int CpuThreadCount
    {
        get
        {
            QrtNativeLibrary.EnsureLoaded();
            int count;
            NativeStatus.Check(QrtNative.qrt_cpu_get_thread_count(&count));
            return count;
        }

        set
        {
            QrtNativeLibrary.EnsureLoaded();
            NativeStatus.Check(QrtNative.qrt_cpu_set_thread_count(value));
        }
    }
}
