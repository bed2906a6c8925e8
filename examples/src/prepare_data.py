"""Writes breast_cancer.csv beside this file from scikit-learn's bundled breast-cancer data set."""
import csv
import os

from sklearn.datasets import load_breast_cancer

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "breast_cancer.csv")
if not os.path.exists(path):
    data = load_breast_cancer()
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([name.replace(" ", "_") for name in data.feature_names] + ["label"])
        for row, label in zip(data.data, data.target):
            writer.writerow([repr(float(v)) for v in row] + [int(label)])
