#!/usr/bin/python3
"""Test tool (not CI): scikit-learn's PCA + LinearSVC on the same files as `c3d eval pca`.

  /usr/bin/python3 tools/compare/sklearn_pca_svm.py TRAIN.npy TRAIN_LABELS.txt TEST.npy TEST_LABELS.txt [10,50,100,500] [C]

Prints "dims<TAB>accuracy" like `c3d eval pca --dims ...`. LinearSVC(dual=True, squared hinge,
intercept_scaling=1) is LIBLINEAR -s 1 -B 1, the model `c3d eval svm` reimplements; PCA is exact
(full SVD, or randomized for large inputs, as scikit-learn picks).
"""
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.svm import LinearSVC


def main():
    xtr, ltr, xte, lte = sys.argv[1:5]
    dims = [int(d) for d in (sys.argv[5] if len(sys.argv) > 5 else '10,50,100,500').split(',')]
    c = float(sys.argv[6]) if len(sys.argv) > 6 else 1.0
    xtr, xte = np.load(xtr).astype(np.float64), np.load(xte).astype(np.float64)
    ytr = open(ltr).read().split()
    yte = open(lte).read().split()
    pca = PCA(n_components=max(dims)).fit(xtr)
    print('dims\taccuracy')
    for d in dims:
        comps = pca.components_[:d]
        ptr, pte = (xtr - pca.mean_) @ comps.T, (xte - pca.mean_) @ comps.T
        svc = LinearSVC(C=c, dual=True, intercept_scaling=1.0, max_iter=1000).fit(ptr, ytr)
        print(f'{d}\t{np.mean(svc.predict(pte) == np.array(yte)):.4f}')


if __name__ == '__main__':
    main()
