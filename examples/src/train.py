"""Trains a logistic-regression classifier by stochastic gradient descent and logs its accuracy
with MLflow after every epoch.

The trial script of the README's example sweep, written as an Azure ML user writes it:
hyperparameters arrive as command-line arguments, the metric leaves through mlflow.log_metric.
"""
import argparse
import csv
import os

import mlflow
import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

parser = argparse.ArgumentParser()
parser.add_argument("--regularization", type=float, default=0.01, help="L2 penalty (alpha)")
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "breast_cancer.csv"))
args = parser.parse_args()
if not os.path.exists(args.data):  # first use: generate it from scikit-learn's bundled data set
    import runpy
    runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "prepare_data.py"))

with open(args.data) as f:
    rows = list(csv.reader(f))
features = np.array([[float(v) for v in row[:-1]] for row in rows[1:]])
labels = np.array([int(row[-1]) for row in rows[1:]])
x_train, x_test, y_train, y_test = train_test_split(features, labels, test_size=0.3, random_state=0)
scaler = StandardScaler().fit(x_train)
x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)

model = SGDClassifier(loss="log_loss", alpha=args.regularization, random_state=0)
for epoch in range(args.epochs):
    model.partial_fit(x_train, y_train, classes=[0, 1])
    accuracy = float(np.mean(model.predict(x_test) == y_test))
    mlflow.log_metric("Accuracy", accuracy, step=epoch)

os.makedirs("outputs", exist_ok=True)
with open(os.path.join("outputs", "model.txt"), "w") as f:
    f.write(f"regularization={args.regularization}\ncoef={model.coef_.tolist()}\n")
print(f"regularization={args.regularization} Accuracy={accuracy:.4f}")
