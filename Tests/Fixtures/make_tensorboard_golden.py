"""Writes Tests/Fixtures/tensorboard/: an event file made by PyTorch's SummaryWriter (what transformers'
TensorBoardCallback, and so TRL, logs through), with scalars named as TRL names them, plus expected.json listing
what the file holds. TensorBoardTests read the file with our reader and compare our writer's records with it byte
for byte.

  python Tests/Fixtures/make_tensorboard_golden.py     (needs torch and tensorboard; see DEVELOPERS.md)
"""
import json
import os
import shutil
import tempfile

from torch.utils.tensorboard import SummaryWriter

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tensorboard")

SCALARS = [
    # (wall time, step, tag, value)
    (1767225600.25, 1, "train/loss", 0.6931471805599453),
    (1767225600.25, 1, "train/rewards/chosen", 0.0),
    (1767225600.25, 1, "train/learning_rate", 5e-07),
    (1767225601.5, 2, "train/loss", 0.6875),
    (1767225601.5, 2, "train/rewards/margins", -0.015625),
    (1767225602.75, 2, "eval/loss", 0.69140625),
    (1767225602.75, 2, "eval/rewards/accuracies", 0.5),
    (1767225700.0, 300, "train/grad_norm", 12345.678),
]


def main() -> None:
    scratch = tempfile.mkdtemp()
    writer = SummaryWriter(log_dir=scratch)
    for wall_time, step, tag, value in SCALARS:
        writer.add_scalar(tag, value, global_step=step, walltime=wall_time)
    writer.close()
    (name,) = [n for n in os.listdir(scratch) if n.startswith("events.out.tfevents.")]
    shutil.rmtree(HERE, ignore_errors=True)
    os.makedirs(HERE)
    shutil.copy(os.path.join(scratch, name), os.path.join(HERE, "events.out.tfevents.golden"))
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump([{"wall_time": w, "step": s, "tag": t, "value": v} for w, s, t, v in SCALARS], f, indent=1)
        f.write("\n")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
