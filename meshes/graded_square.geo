// Unit square [0,1]^2 graded towards the corner (0,0): elements of size h/4 there, growing
// to h at distance 0.5 and beyond. Training on it shows the network rows of very different
// element sizes and a non-uniform degree distribution, which the uniform square_N meshes lack.
// The domain stays the unit square because the coefficient f = exp(p) is scaled to its
// contrast on [0,1]^2 (training/coefficient.c).
//   gmsh -2 -format msh22 -setnumber h 0.1 graded_square.geo -o out.msh
// The boundary is Physical Curve 1 ("boundary") as in unit_square.geo; PETSc marks it itself
// with DMPlexMarkBoundaryFaces (training/mesh.c), so any closed outline works unchanged.
DefineConstant[ h = {0.1, Name "h"} ];
Point(1) = {0, 0, 0, h};
Point(2) = {1, 0, 0, h};
Point(3) = {1, 1, 0, h};
Point(4) = {0, 1, 0, h};
Line(1) = {1, 2};
Line(2) = {2, 3};
Line(3) = {3, 4};
Line(4) = {4, 1};
Curve Loop(1) = {1, 2, 3, 4};
Plane Surface(1) = {1};
Physical Curve("boundary", 1) = {1, 2, 3, 4};
Physical Surface("domain", 2) = {1};
// the size field alone decides the element size (not the points' h, not the curvature)
Field[1] = Distance;
Field[1].PointsList = {1};
Field[2] = Threshold;
Field[2].InField = 1;
Field[2].SizeMin = h / 4;
Field[2].SizeMax = h;
Field[2].DistMin = 0;
Field[2].DistMax = 0.5;
Background Field = 2;
Mesh.MeshSizeExtendFromBoundary = 0;
Mesh.MeshSizeFromPoints = 0;
Mesh.MeshSizeFromCurvature = 0;
