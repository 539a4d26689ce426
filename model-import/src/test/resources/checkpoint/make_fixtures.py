# Regenerates the small checkpoint fixtures in this folder (not needed by the build or the tests).
# Run with Debian's torch (python3-torch 1.13) from this folder: /usr/bin/python3 make_fixtures.py
import collections

import numpy as np
import torch

torch.manual_seed(0)
base = torch.randn(4, 6)
shared = torch.randn(20)
sd = collections.OrderedDict()
sd["conv.weight"] = torch.randn(4, 3, 3, 3)
sd["half"] = torch.tensor([1.0, -2.0, 65504.0, 6.1035156e-05, 5.9604645e-08, 0.333251953125], dtype=torch.float16)
sd["bfloat"] = torch.tensor([[1.0, -3.140625], [1e-38, 3.3895314e38], [0.0, -0.0]], dtype=torch.bfloat16)
sd["double"] = torch.tensor([0.1, -1e300], dtype=torch.float64)
sd["long"] = torch.tensor([1, -7, 123456789], dtype=torch.int64)
sd["lin.weight_T"] = base.t()                  # strides (1, 6): not contiguous
sd["view.slice"] = base.view(-1)[8:14].view(2, 3)  # shares base's storage at offset 8
sd["row.expand"] = shared[3:6].expand(2, 3)    # stride 0
sd["flat.tail"] = shared[10:20].view(5, 2)     # offset 10 into another shared storage
sd["scalar"] = torch.tensor(2.5)
sd["empty"] = torch.zeros(0, 3)
torch.save(sd, "mixed.pt")
torch.save(sd, "mixed_p4.pt", pickle_protocol=4)
np.savez("mixed_ref.npz", **{k: v.float().contiguous().numpy() for k, v in sd.items()})
torch.save(sd, "legacy.pt", _use_new_zipfile_serialization=False)

module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
with open("module.pt", "wb") as f:  # through a file object the top folder is "archive/"
    torch.save(module.state_dict(), f)
torch.save(module.state_dict(), "module_stem.pt")  # through a path it is the file stem

every = torch.arange(-32768, 32768, dtype=torch.int32).to(torch.int16)
torch.save(collections.OrderedDict(f16=every.clone().view(torch.float16), bf16=every.clone().view(torch.bfloat16)), "all16.pt")
np.savez_compressed("all16_ref.npz", f16=every.view(torch.float16).float().numpy(),
                    bf16=every.view(torch.bfloat16).float().numpy())

arange = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
np.savez_compressed(
    "mixed_compressed.npz",
    fortran=np.asfortranarray(arange),
    big_endian=arange.astype(">f4"),
    half=sd["half"].numpy(),
    double=sd["double"].numpy(),
    long=sd["long"].numpy(),
    flags=np.array([True, False, True]),
    scalar=np.array(2.5, dtype=np.float32),
    empty=np.zeros((0, 3), dtype=np.float32),
)
