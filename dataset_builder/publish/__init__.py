"""After a release is built: publish its folder to the Hub and verify a folder or a published tag.

The stages are the verbs ``publish`` and ``verify`` of ``dataset_builder.api``. Under them:
``hub.publish`` (one commit + tag ``vX.Y.Z``), ``guard`` (what may never leave the machine,
checked by publish itself) and ``verify.verify`` (checksums, configs, card of a folder or
``ORG/NAME@vX.Y.Z``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.publish.hub import PublishResult, publish
    from dataset_builder.publish.verify import VerifyReport, verify

__all__ = ["PublishResult", "VerifyReport", "publish", "verify"]
__getattr__, __dir__ = exports(__name__, {
    "PublishResult": "hub", "VerifyReport": "verify", "publish": "hub", "verify": "verify",
})
