"""
Patches applied when DHCPKit loads this extension (dhcpkit imports every registered extension while
importing its config parser, before it reads the configuration or starts the worker pool).

1. NonBlockingPool.apply_async on Python >= 3.8. DHCPKit 1.0.7 builds ``ApplyResult(self._cache, ...)``,
   the pre-3.8 signature; Python 3.8 changed it to ``ApplyResult(pool, ...)``, so every dispatch fails
   with "'_PoolCache' object has no attribute '_cache'" and the server answers nothing. The replacement
   passes the pool. It is installed only when the running DHCPKit still has the old code.

2. dhcpkit-kafka installed next to us. Both define the <send-to-kafka> section; ZConfig refuses a
   second definition with an error that names neither package. We skip dhcpkit-kafka's component
   (with a warning telling the operator to uninstall it), so existing configurations get our handler.
"""
import logging
import sys

logger = logging.getLogger(__name__)

SHADOWED_COMPONENT = 'dhcpkit_kafka.server_extension'


def patch_nonblocking_pool() -> bool:
    """Installs the Python >= 3.8 apply_async if this DHCPKit needs it; returns whether it did."""
    if sys.version_info < (3, 8):
        return False
    from multiprocessing.pool import RUN, ApplyResult
    from queue import Full

    from dhcpkit.ipv6.server.nonblocking_pool import NonBlockingPool

    original = NonBlockingPool.apply_async
    if getattr(original, 'dhcpkafka_patched', False) or '_cache' not in original.__code__.co_names:
        return False

    def apply_async(self, func, args=(), kwds=None, callback=None, error_callback=None):
        """DHCPKit's apply_async with the Python >= 3.8 ApplyResult signature."""
        if self._state != RUN:
            raise ValueError("Pool not running")
        result = ApplyResult(self, callback, error_callback)
        try:
            self._taskqueue.put(([(result._job, None, func, args, kwds or {})], None), block=False)
        except Full:
            # The result registered itself in the pool's cache; a dropped task must not stay there.
            del self._cache[result._job]
            return None
        return result

    apply_async.dhcpkafka_patched = True
    apply_async.dhcpkafka_original = original
    apply_async.__doc__ = original.__doc__
    NonBlockingPool.apply_async = apply_async
    return True


def shadow_dhcpkit_kafka() -> bool:
    """Makes DHCPKit skip dhcpkit-kafka's config component; returns whether the hook was installed."""
    import ZConfig.loader

    original = ZConfig.loader.ConfigLoader.importSchemaComponent
    if getattr(original, 'dhcpkafka_patched', False):
        return False

    def importSchemaComponent(self, pkgname):
        if pkgname == SHADOWED_COMPONENT:
            logger.warning("dhcpkit-kafka is installed next to dhcpkafka-dhcpkit; both provide "
                           "<send-to-kafka>. Using dhcpkafka-dhcpkit. Remove the old package with "
                           "`pip uninstall dhcpkit-kafka`.")
            return
        return original(self, pkgname)

    importSchemaComponent.dhcpkafka_patched = True
    ZConfig.loader.ConfigLoader.importSchemaComponent = importSchemaComponent
    return True
